using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.DuckDb.Tests;

public sealed class DuckDbBindingTests : IDisposable
{
    private readonly DuckDbDatabase _db = DuckDbDatabase.Open();
    private readonly DuckDbConnection _conn;

    public DuckDbBindingTests() => _conn = _db.Connect();

    public void Dispose()
    {
        _conn.Dispose();
        _db.Dispose();
    }

    [Fact]
    public void LibraryVersion_IsTheFetchedRelease()
    {
        Assert.StartsWith("v1.5.", DuckDbDatabase.LibraryVersion, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_FixedWidthColumns_ReadAsWholeVectors()
    {
        using var result = _conn.Query(
            "SELECT i::BIGINT AS a, i::UBIGINT * 3 AS b, i / 2.0 AS c, TIMESTAMP '2026-11-22 13:00:00' + to_seconds(i) AS t FROM range(5000) r(i)");
        Assert.Equal(DuckDbType.BigInt, result.ColumnType(0));
        Assert.Equal(DuckDbType.UBigInt, result.ColumnType(1));
        Assert.Equal(DuckDbType.Double, result.ColumnType(2));
        Assert.Equal(DuckDbType.Timestamp, result.ColumnType(3));
        long sumA = 0, rows = 0;
        ulong sumB = 0;
        double sumC = 0;
        long lastT = 0;
        foreach (var chunk in result.Chunks())
        {
            var a = chunk.Column(0).Values<long>();
            var b = chunk.Column(1).Values<ulong>();
            var c = chunk.Column(2).Values<double>();
            var t = chunk.Column(3).Values<long>();
            for (var i = 0; i < chunk.RowCount; i++)
            {
                sumA += a[i];
                sumB += b[i];
                sumC += c[i];
                lastT = t[i];
            }
            rows += chunk.RowCount;
        }
        Assert.Equal(5000, rows);
        Assert.Equal(4999L * 5000 / 2, sumA);
        Assert.Equal(3UL * 4999 * 5000 / 2, sumB);
        Assert.Equal(4999.0 * 5000 / 4, sumC, 6);
        Assert.Equal(new DateTime(2026, 11, 22, 13, 0, 0, DateTimeKind.Utc).AddSeconds(4999), Timestamps.FromMicros(lastT));
    }

    [Fact]
    public void Query_StringsNullsListsAndMaps_AreDecoded()
    {
        using var result = _conn.Query("""
            SELECT * FROM (VALUES
              ('short', [1, 2, 3]::UBIGINT[], MAP {'env': 'prod', 'region': 'eu-west-1'}),
              ('a string longer than twelve bytes, ünïcødé', []::UBIGINT[], MAP {}),
              (NULL, NULL, NULL)) v(s, l, m)
            """);
        using var chunk = result.FetchChunk()!;
        var s = chunk.Column(0);
        Assert.Equal("short", s.GetString(0));
        Assert.Equal("a string longer than twelve bytes, ünïcødé", s.GetString(1));
        Assert.Null(s.GetString(2));
        var l = chunk.Column(1);
        Assert.Equal(DuckDbType.List, l.Type);
        var entries = l.ListEntries();
        var child = l.ListChild().Values<ulong>();
        Assert.Equal([1UL, 2, 3], child.Slice((int)entries[0].Offset, (int)entries[0].Length).ToArray());
        Assert.Equal(0UL, entries[1].Length);
        Assert.False(l.IsValid(2));
        var m = chunk.Column(2);
        Assert.Equal(DuckDbType.Map, m.Type);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["region"] = "eu-west-1" }, m.GetMap(0));
        Assert.Empty(m.GetMap(1));
        Assert.Null(result.FetchChunk());
    }

    [Fact]
    public void Prepare_BindsEveryParameterKind_WithoutSqlText()
    {
        using var stmt = _conn.Prepare("SELECT ?::BIGINT + 1, ?::UBIGINT, ? || '!', ?::DOUBLE, ?, list_sum(?), len(?::VARCHAR[]), ?");
        stmt.Bind(1, 41L).Bind(2, ulong.MaxValue).Bind(3, "it's; DROP TABLE x").Bind(4, 0.5).Bind(5, true)
            .Bind(6, new ulong[] { 1, 2, 3 }).Bind(7, new[] { "a", "b" })
            .BindTimestamp(8, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        using var result = stmt.Execute();
        using var chunk = result.FetchChunk()!;
        Assert.Equal(42L, chunk.Column(0).Values<long>()[0]);
        Assert.Equal(ulong.MaxValue, chunk.Column(1).Values<ulong>()[0]);
        Assert.Equal("it's; DROP TABLE x!", chunk.Column(2).GetString(0));
        Assert.Equal(0.5, chunk.Column(3).Values<double>()[0]);
        Assert.True(chunk.Column(4).Values<byte>()[0] != 0);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), Timestamps.FromMicros(chunk.Column(7).Values<long>()[0]));
    }

    [Fact]
    public void Prepare_EmptyLists_BindAsEmptyNotCrash()
    {
        using var stmt = _conn.Prepare("SELECT len(?::VARCHAR[]), len(?::UBIGINT[]), cardinality(map(?::VARCHAR[], ?::VARCHAR[]))");
        stmt.Bind(1, Array.Empty<string>()).Bind(2, Array.Empty<ulong>()).Bind(3, Array.Empty<string>()).Bind(4, Array.Empty<string>());
        using var result = stmt.Execute();
        using var chunk = result.FetchChunk()!;
        Assert.Equal(0L, chunk.Column(0).Values<long>()[0]);
        Assert.Equal(0L, chunk.Column(1).Values<long>()[0]);
        Assert.Equal(0UL, chunk.Column(2).Values<ulong>()[0]);
    }

    [Fact]
    public void Query_BadSql_ThrowsWithDuckDbMessage()
    {
        var ex = Assert.Throws<DuckDbException>(() => _conn.Query("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<DuckDbException>(() => _conn.Prepare("SELEC 1"));
        Assert.Contains("syntax error", ex2.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Appender_WritesChunksWithListsMapsAndNulls()
    {
        _conn.Execute("CREATE TABLE t (id BIGINT, name VARCHAR, frames UBIGINT[], labels MAP(VARCHAR, VARCHAR))");
        using var types = new TypeList(
            DuckDbLogicalType.Of(DuckDbType.BigInt), DuckDbLogicalType.Of(DuckDbType.Varchar),
            DuckDbLogicalType.ListOf(DuckDbType.UBigInt), DuckDbLogicalType.MapOf(DuckDbType.Varchar, DuckDbType.Varchar));
        using var chunk = new DuckDbChunkWriter(types.Items);
        using (var appender = _conn.CreateAppender("t"))
        {
            const int total = 5000;
            var row = 0;
            for (var i = 0; i < total; i++)
            {
                chunk.Span<long>(0)[row] = i;
                if (i % 7 == 0)
                {
                    chunk.SetNull(1, row);
                }
                else
                {
                    chunk.SetString(1, row, $"function number {i}");
                }
                chunk.SetList<ulong>(2, row, [(ulong)i, (ulong)i + 1]);
                chunk.SetMap(3, row, [new("pod", $"pod-{i % 3}")]);
                if (++row == chunk.Capacity)
                {
                    chunk.RowCount = row;
                    appender.Append(chunk);
                    chunk.Reset();
                    row = 0;
                }
            }
            chunk.RowCount = row;
            appender.Append(chunk);
            appender.Flush();
        }
        using var result = _conn.Query("""
            SELECT count(*), count(name), sum(list_sum(frames))::BIGINT, count(*) FILTER (WHERE labels['pod'] = 'pod-1'),
                   max(name) FILTER (WHERE id = 4999)
            FROM t
            """);
        using var c = result.FetchChunk()!;
        Assert.Equal(5000L, c.Column(0).Values<long>()[0]);
        Assert.Equal(5000L - 715, c.Column(1).Values<long>()[0]);
        Assert.Equal(2L * (4999L * 5000 / 2) + 5000, c.Column(2).Values<long>()[0]);
        Assert.Equal(1667L, c.Column(3).Values<long>()[0]);
        Assert.Equal("function number 4999", c.Column(4).GetString(0));
    }

    [Fact]
    public void PrepareAll_ReportsStatementTypesFromTheParser()
    {
        var statements = _conn.PrepareAll("SELECT 1; CREATE TABLE x (a INT)");
        try
        {
            Assert.Equal([DuckDbStatementType.Select, DuckDbStatementType.Create], statements.Select(s => s.StatementType));
        }
        finally
        {
            foreach (var s in statements)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public void Interrupt_StopsALongQuery()
    {
        using var timer = new Timer(_ => _conn.Interrupt(), null, 200, Timeout.Infinite);
        var ex = Assert.Throws<DuckDbException>(() =>
            _conn.Query("SELECT count(*) FROM range(10000000000) a, range(1000) b WHERE a.range * b.range = -1"));
        Assert.True(ex.IsInterrupt, ex.Message);
    }

    [Fact]
    public void StatementType_HasTheNumbersOfDuckDbH()
    {
        // duckdb.h: DROP 15, VACUUM 18, CALL 19, SET 20 (SET and RESET), LOAD 21; the package's enum
        // is one off from 18. PRAGMA version becomes a SELECT.
        string[] texts = ["DROP TABLE IF EXISTS x", "VACUUM", "CALL pragma_version()", "RESET threads", "SET threads = 1", "LOAD parquet", "PRAGMA version"];
        var types = texts.Select(text =>
        {
            using var extracted = _conn.ExtractStatements(text);
            using var statement = extracted.Prepare(0);
            return statement.StatementType;
        });
        Assert.Equal([DuckDbStatementType.Drop, DuckDbStatementType.Vacuum, DuckDbStatementType.Call, DuckDbStatementType.Set,
            DuckDbStatementType.Set, DuckDbStatementType.Load, DuckDbStatementType.Select], types);
        Assert.Equal(18, (int)DuckDbStatementType.Vacuum);
        Assert.Equal(21, (int)DuckDbStatementType.Load);
    }

    [Fact]
    public void ReadRows_BindsEveryParameterKindThroughAdoNet()
    {
        var time = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        object[] parameters = ["it's; DROP TABLE x", 41L, ulong.MaxValue, 0.5, true, time, new[] { "a", "b", "c" }, new ulong[] { 1, 2, 3 }];
        var rows = _conn.ReadRows(
            "SELECT $1 || '!', $2 + 1, $3, $4 * 2, NOT $5, $6 + INTERVAL 1 SECOND, len($7), list_sum($8)::BIGINT FROM range(3)",
            parameters,
            row => (row.GetString(0), row.GetInt64(1), row.GetFieldValue<ulong>(2), row.GetDouble(3), row.GetBoolean(4), row.GetDateTime(5),
                row.GetInt64(6), row.GetInt64(7)));
        Assert.Equal(3, rows.Count);
        Assert.Equal(("it's; DROP TABLE x!", 42L, ulong.MaxValue, 1.0, false, time.AddSeconds(1), 3L, 6L), rows[0]);
    }

    [Fact]
    public void ExecuteNonQuery_RunsStatementsInOrder_AndReadRowsSeesThem()
    {
        _conn.ExecuteNonQuery("CREATE TABLE t (a BIGINT); INSERT INTO t SELECT range FROM range(10); CREATE VIEW v AS SELECT sum(a) AS s FROM t");
        Assert.Equal([45L], _conn.ReadRows("SELECT s FROM v WHERE s > $1", [1L], row => row.GetInt64(0)));
        // The native (hot) path reads the same database through the same connection.
        using var result = _conn.Query("SELECT count(*) FROM t");
        using var chunk = result.FetchChunk()!;
        Assert.Equal(10L, chunk.Column(0).Values<long>()[0]);
    }

    [Fact]
    public void ReadRows_ErrorsAreDuckDbExceptionsWithDuckDbsMessage()
    {
        var ex = Assert.Throws<DuckDbException>(() => _conn.ReadRows("SELECT * FROM no_such_table WHERE a = $1", [1L], row => row.GetInt64(0)));
        Assert.StartsWith("Catalog Error", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_table", ex.Message, StringComparison.Ordinal);
        Assert.IsType<DuckDB.NET.Data.DuckDBException>(ex.InnerException);
        var io = Assert.Throws<DuckDbException>(() => _conn.ReadRows("SELECT * FROM read_parquet($1)", [new[] { "/nonexistent/x.parquet" }], row => row.GetInt64(0)));
        Assert.Contains("/nonexistent/x.parquet", io.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRows_Interrupted_IsAnInterrupt()
    {
        using var timer = new Timer(_ => _conn.Interrupt(), null, 200, Timeout.Infinite);
        var ex = Assert.Throws<DuckDbException>(() => _conn.ReadRows(
            "SELECT count(*) FROM range(10000000000) a, range(1000) b WHERE a.range * b.range = $1", [-1L], row => row.GetInt64(0)));
        Assert.True(ex.IsInterrupt, ex.Message);
    }

    [Fact]
    public void Query_Errors_CarryDuckDbsErrorType()
    {
        var ex = Assert.Throws<DuckDbException>(() => _conn.Query("SELECT * FROM read_parquet('/nonexistent/x.parquet')"));
        Assert.Equal(DuckDB.NET.Native.DuckDBErrorType.Io, ex.ErrorType);
        Assert.False(ex.IsInterrupt);
    }

    [Fact]
    public void Connect_ReachesTheSameInMemoryDatabase_AndOpenMakesANewOne()
    {
        _conn.Execute("CREATE TABLE shared (a INT)");
        using (var second = _db.Connect())
        {
            second.Execute("INSERT INTO shared VALUES (1)");
        }
        using var other = DuckDbDatabase.Open();
        using var otherConnection = other.Connect();
        Assert.Throws<DuckDbException>(() => otherConnection.Query("SELECT * FROM shared"));
        Assert.Equal([1L], _conn.ReadRows("SELECT count(*) FROM shared", null, row => row.GetInt64(0)));
    }

    [Fact]
    public void Open_PassesSettingsToDuckDb_AndRejectsUnknownOnes()
    {
        using (var db = DuckDbDatabase.Open(settings: new Dictionary<string, string> { ["threads"] = "3", ["memory_limit"] = "300MB", ["temp_directory"] = "" }))
        using (var connection = db.Connect())
        {
            var values = connection.ReadRows(
                "SELECT current_setting('threads')::BIGINT, current_setting('memory_limit'), current_setting('temp_directory')", null,
                row => (row.GetInt64(0), row.GetString(1), row.GetString(2)));
            Assert.Equal(3L, values[0].Item1);
            Assert.StartsWith("286.1 MiB", values[0].Item2, StringComparison.Ordinal);
            Assert.Equal("", values[0].Item3);
        }
        var ex = Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open(settings: new Dictionary<string, string> { ["no_such_setting"] = "1" }));
        Assert.Contains("no_such_setting", ex.Message, StringComparison.Ordinal);
    }

    private sealed class TypeList(params DuckDbLogicalType[] items) : IDisposable
    {
        public DuckDbLogicalType[] Items { get; } = items;
        public void Dispose()
        {
            foreach (var t in Items)
            {
                t.Dispose();
            }
        }
    }
}
