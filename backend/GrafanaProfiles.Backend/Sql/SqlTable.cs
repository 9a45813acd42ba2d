using GrafanaProfiles.Backend.Frames;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>The <c>table</c> format: one frame, one nullable field per result column.</summary>
internal static class SqlTable
{
    public static IReadOnlyList<DataFrame> Build(SqlRun run)
    {
        var (rows, limited) = run.ReadAll();
        var meta = new FrameMeta
        {
            Type = "table",
            PreferredVisualisationType = "table",
            ExecutedQueryString = run.ExecutedSql,
            Notices = limited ? [FrameMeta.RowLimitNotice(run.RowLimit)] : null,
        };
        // As Grafana's SQL engines: no rows, no fields, but the meta with the executed SQL.
        IReadOnlyList<Field> fields = rows == 0 ? [] : [.. run.Columns.Select(c => c.ToField())];
        return [new DataFrame("", run.Context.RefId, fields, meta.ToJson())];
    }
}
