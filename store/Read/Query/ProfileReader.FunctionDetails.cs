using GrafanaProfiles.Schema.Tables;
using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Query;

/// <summary>A row of the <c>functions</c> table: what pprof's <c>Function</c> message needs.</summary>
public sealed record FunctionDetails(ulong Id, string Name, string SystemName, string Filename, long StartLine);

public sealed partial class ProfileReader
{
    /// <summary>
    /// Name, system name, file name and start line of each function id, from the functions files of
    /// the selection's partitions. Ids no file has are absent from the result.
    /// </summary>
    public IReadOnlyDictionary<ulong, FunctionDetails> Functions(ProfileSelection selection, IReadOnlyCollection<ulong> ids, CancellationToken cancellationToken = default) =>
        Run(selection.Tenant, selection.From, selection.To, (connection, files) => LoadFunctions(connection, files, ids), cancellationToken);

    /// <summary>
    /// One query over all functions files: the ids are bound as one UBIGINT[] parameter and joined
    /// (a semi join, so DuckDB hashes the list once); a function in several files (ids are content
    /// hashes, so every copy is equal) comes back once.
    /// </summary>
    internal static Dictionary<ulong, FunctionDetails> LoadFunctions(DuckDbConnection connection, QueryFiles files, IReadOnlyCollection<ulong> ids)
    {
        var details = new Dictionary<ulong, FunctionDetails>(ids.Count);
        if (ids.Count == 0 || files.Functions.Count == 0)
        {
            return details;
        }
        var parameters = new SqlParameters();
        var sql = $"""
            SELECT {FunctionsTable.FunctionId},
                   any_value({FunctionsTable.FunctionName}), any_value({FunctionsTable.SystemName}),
                   any_value({FunctionsTable.Filename}), any_value({FunctionsTable.Line})::BIGINT
            FROM read_parquet({parameters.Add(files.Functions)})
            WHERE {FunctionsTable.FunctionId} IN (SELECT unnest({parameters.Add(ids as IReadOnlyList<ulong> ?? [.. ids])}))
            GROUP BY {FunctionsTable.FunctionId}
            """;
        // A metadata query for the nodes a caller emits (thousands of rows at most): a cold path,
        // through ADO.NET.
        var rows = connection.ReadRows(sql, parameters.Values, row =>
        {
            var name = row.IsDBNull(1) ? "" : row.GetString(1);
            return new FunctionDetails(row.GetFieldValue<ulong>(0), name, row.IsDBNull(2) ? name : row.GetString(2),
                row.IsDBNull(3) ? "" : row.GetString(3), row.IsDBNull(4) ? 0 : row.GetInt64(4));
        });
        foreach (var function in rows)
        {
            details[function.Id] = function;
        }
        return details;
    }
}
