using GrafanaProfiles.Store.DuckDb;
using GrafanaProfiles.Store.Query;

namespace GrafanaProfiles.Store.Read.Tests.Query;

/// <summary>A listed file vanishing under a query is told apart from other I/O errors by the error's class and the file system.</summary>
public sealed class QueryFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gp-query-files-").FullName;
    private readonly DuckDbDatabase _db = DuckDbDatabase.Open();
    private readonly DuckDbConnection _conn;

    public QueryFilesTests() => _conn = _db.Connect();

    public void Dispose()
    {
        _conn.Dispose();
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteParquet(string name)
    {
        var path = Path.Combine(_dir, name);
        _conn.Execute($"COPY (SELECT 1 AS x) TO '{path}' (FORMAT parquet)");
        return path;
    }

    private DuckDbException ReadFails(string path) =>
        Assert.Throws<DuckDbException>(() => _conn.Execute($"SELECT count(*) FROM read_parquet('{path}')"));

    [Fact]
    public void VanishedUnder_ListedFileRemovedAfterListing_IsAVanishedFile()
    {
        var samples = WriteParquet("samples-1.parquet");
        var stacks = WriteParquet("stacks-1.parquet");
        var files = new QueryFiles([samples], [], [stacks], []);
        File.Delete(samples);

        var error = ReadFails(samples);

        Assert.True(files.VanishedUnder(error));
    }

    [Fact]
    public void VanishedUnder_MissingFileThatWasNeverListed_IsNotAVanishedFile()
    {
        var files = new QueryFiles([WriteParquet("samples-1.parquet")], [], [], []);

        var error = ReadFails(Path.Combine(_dir, "typed-by-a-user.parquet"));

        Assert.False(files.VanishedUnder(error));
    }

    [Fact]
    public void VanishedUnder_OtherErrorWhileAListedFileIsGone_IsNotAVanishedFile()
    {
        var samples = WriteParquet("samples-1.parquet");
        var files = new QueryFiles([samples], [], [], []);
        File.Delete(samples);

        var error = Assert.Throws<DuckDbException>(() => _conn.Execute("SELECT no_such_column FROM (SELECT 1 AS x)"));

        Assert.False(files.VanishedUnder(error));
    }
}
