using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Query;

public sealed partial class ProfileReader
{
    /// <summary>Profile types that have data in [from, to).</summary>
    public IReadOnlyList<string> ProfileTypes(string tenant, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default) =>
        Distinct(tenant, fromUtc, toUtc, null, _ => SamplesTable.ProfileType, overSeries: false, cancellationToken);

    /// <summary>Label names in [from, to), optionally only of series matching a selector; always includes service_name when there is data.</summary>
    public IReadOnlyList<string> LabelNames(string tenant, DateTime fromUtc, DateTime toUtc, LabelSelector? selector = null, CancellationToken cancellationToken = default)
    {
        var names = Distinct(tenant, fromUtc, toUtc, selector, _ => $"unnest(map_keys({SeriesTable.Labels}))", overSeries: true, cancellationToken).ToList();
        var any = Distinct(tenant, fromUtc, toUtc, selector, _ => SamplesTable.ServiceName, overSeries: false, cancellationToken).Count > 0;
        if (any)
        {
            names.Add(SamplesTable.ServiceName);
        }
        return [.. names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Values of one label in [from, to), optionally only of series matching a selector.</summary>
    public IReadOnlyList<string> LabelValues(string tenant, string name, DateTime fromUtc, DateTime toUtc, LabelSelector? selector = null,
        CancellationToken cancellationToken = default)
    {
        if (!LabelRules.IsValid(name))
        {
            throw new QueryException($"'{name}' is not a valid label name.");
        }
        var overSeries = NeedsLabels([name]);
        return [.. Distinct(tenant, fromUtc, toUtc, selector, p => LabelExpression(name, p), overSeries, cancellationToken).Where(v => v.Length > 0)];
    }

    /// <summary>
    /// Distinct values of an expression over the samples in [from, to) that match the selector, or
    /// (<paramref name="overSeries"/>) over the series rows of those samples: label maps live in the
    /// series files, and only series with samples in the range count. Whole hours and days come from
    /// their step-totals rollups (<see cref="Plan"/>), which hold a row for every series, profile type
    /// and minute that has samples, so the distinct values are the raw ones.
    /// </summary>
    private IReadOnlyList<string> Distinct(string tenant, DateTime fromUtc, DateTime toUtc, LabelSelector? selector,
        Func<SqlParameters, string> expression, bool overSeries, CancellationToken cancellationToken) =>
        Run(() => Plan(tenant, fromUtc, toUtc, RollupUse.StepTotals), (connection, files) =>
        {
            if (files.IsEmpty)
            {
                return (IReadOnlyList<string>)[];
            }
            var parameters = new SqlParameters();
            var column = expression(parameters);
            var condition = $"{SamplesTable.Time} >= {parameters.Add(fromUtc)} AND {SamplesTable.Time} < {parameters.Add(toUtc)}";
            if (selector is not null)
            {
                condition += $" AND ({SelectorSql.ToCondition(selector, parameters, () => files.SeriesSource(parameters))})";
            }
            var samples = KeyColumns(files, parameters);
            var sql = overSeries
                ? $"""
                    SELECT DISTINCT {column} AS x FROM {files.SeriesSource(parameters)}
                    WHERE {SeriesTable.SeriesId} IN (SELECT {SamplesTable.SeriesId} FROM {samples} WHERE {condition})
                    ORDER BY 1
                    """
                : $"SELECT DISTINCT {column} AS x FROM {samples} WHERE {condition} ORDER BY 1";
            return ReadStrings(connection, sql, parameters);
        }, cancellationToken);

    /// <summary>
    /// The samples' time, service, profile type and series of a plan's raw pieces and rollups as one
    /// table expression (the columns a label query and its selector read; both tables have them).
    /// </summary>
    private static string KeyColumns(QueryFiles files, SqlParameters parameters)
    {
        var columns = $"{SamplesTable.Time}, {SamplesTable.ServiceName}, {SamplesTable.ProfileType}, {SamplesTable.SeriesId}";
        var pieces = new List<string>();
        if (files.Samples.Count > 0)
        {
            pieces.Add($"SELECT {columns} FROM {files.SamplesSource(parameters)}");
        }
        if (files.Rollups.Count > 0)
        {
            pieces.Add($"SELECT {columns} FROM {files.RollupSource(parameters)}");
        }
        return $"({string.Join(" UNION ALL ", pieces)})";
    }

    /// <summary>The first column's strings, NULLs left out. A cold path: through ADO.NET, with the values as parameters.</summary>
    private static List<string> ReadStrings(DuckDbConnection connection, string sql, SqlParameters parameters) =>
        [.. connection.ReadRows(sql, parameters.Values, row => row.IsDBNull(0) ? null : row.GetString(0)).OfType<string>()];
}
