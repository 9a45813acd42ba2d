using System.Text.Json;
using GrafanaProfiles.Backend.Frames;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Store.Query.FlameGraphs;

namespace GrafanaProfiles.Backend.Sql;

/// <summary>
/// The flame graph frame of the panel's contract (facts §5): name <c>response</c>, fields
/// <c>level</c>, <c>value</c> and <c>self</c> (int64, the profile type's unit) and <c>label</c> (an enum:
/// uint16 indexes into <c>config.type.enum.text</c>, texts in the order rows first use them, as
/// Pyroscope writes it), rows in depth-first order.
/// </summary>
internal static class FlameGraphFrame
{
    public const string Name = "response";

    public static DataFrame Create(string refId, FlameGraph graph, string unit, FrameMeta meta)
    {
        var rows = graph.NodeCount;
        var levels = new long?[rows];
        var values = new long?[rows];
        var selfs = new long?[rows];
        var labels = new ushort?[rows];
        var position = new int[graph.Names.Count];
        Array.Fill(position, -1);
        var texts = new List<string>();
        for (var i = 0; i < rows; i++)
        {
            levels[i] = graph.Levels[i];
            values[i] = graph.Values[i];
            selfs[i] = graph.Selfs[i];
            ref var index = ref position[graph.Labels[i]];
            if (index < 0)
            {
                if (texts.Count > ushort.MaxValue)
                {
                    throw QueryFailedException.BadRequest(
                        $"The flame graph has more than {ushort.MaxValue + 1:N0} distinct function names, more than its label field can index; lower maxNodes.");
                }
                index = texts.Count;
                texts.Add(graph.Names[graph.Labels[i]]);
            }
            labels[i] = (ushort)index;
        }
        var unitConfig = JsonSerializer.Serialize(new { unit });
        var labelConfig = JsonSerializer.Serialize(new { type = new { @enum = new { text = texts } } });
        return new DataFrame(Name, refId,
        [
            Field.Int64("level", levels),
            Field.Int64("value", values, configJson: unitConfig),
            Field.Int64("self", selfs, configJson: unitConfig),
            Field.Enum("label", labels, configJson: labelConfig),
        ], meta.ToJson());
    }
}
