namespace GrafanaProfiles.Backend.Frames;

/// <summary>
/// One Grafana data frame: a name, the query's refId, optional frame meta (JSON of the SDK's
/// <c>FrameMeta</c>) and columns of equal length. Encoded by <see cref="ArrowFileWriter"/>.
/// </summary>
public sealed class DataFrame
{
    public DataFrame(string name, string refId, IReadOnlyList<Field> fields, string? metaJson = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(refId);
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count > 0 && fields.Any(f => f.Length != fields[0].Length))
        {
            string lengths = string.Join(", ", fields.Select(f => $"{f.Name}={f.Length}"));
            throw new ArgumentException($"All fields of frame '{name}' must have the same length; got {lengths}.", nameof(fields));
        }

        Name = name;
        RefId = refId;
        Fields = fields;
        MetaJson = metaJson;
    }

    public string Name { get; }

    public string RefId { get; }

    /// <summary>JSON of the frame meta, written as schema metadata <c>meta</c> only when not null.</summary>
    public string? MetaJson { get; }

    public IReadOnlyList<Field> Fields { get; }

    /// <summary>Rows in the frame; 0 for a frame without fields.</summary>
    public int RowCount => Fields.Count == 0 ? 0 : Fields[0].Length;
}
