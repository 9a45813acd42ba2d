using GrafanaProfiles.Store.DuckDb;

namespace GrafanaProfiles.Store.Query;

/// <summary>
/// Collects the values of a SQL text being built and hands out numbered placeholders (<c>$1</c>,
/// <c>$2</c>, …), so user-supplied values never become SQL text.
/// </summary>
internal sealed class SqlParameters
{
    private readonly List<object> _values = [];

    public IReadOnlyList<object> Values => _values;

    /// <summary>Adds a value (string, long, ulong, double, bool, UTC DateTime, string list or ulong list) and returns its placeholder.</summary>
    public string Add(object value)
    {
        _values.Add(value switch
        {
            string or long or ulong or double or bool or DateTime or IReadOnlyList<string> or IReadOnlyList<ulong> => value,
            int i => (long)i,
            _ => throw new ArgumentException($"Type {value.GetType().Name} cannot be bound as a SQL parameter.", nameof(value)),
        });
        return "$" + _values.Count;
    }

    public void BindTo(DuckDbPreparedStatement statement)
    {
        for (var i = 0; i < _values.Count; i++)
        {
            var index = i + 1;
            switch (_values[i])
            {
                case string s: statement.Bind(index, s); break;
                case long l: statement.Bind(index, l); break;
                case ulong u: statement.Bind(index, u); break;
                case double d: statement.Bind(index, d); break;
                case bool b: statement.Bind(index, b); break;
                case DateTime t: statement.BindTimestamp(index, t); break;
                case IReadOnlyList<string> list: statement.Bind(index, list); break;
                case IReadOnlyList<ulong> ids: statement.Bind(index, ids); break;
            }
        }
    }
}
