using System.Globalization;
using System.Text;
using Google.Protobuf.Collections;
using GrafanaProfiles.Schema.Otlp.Common.V1;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;
using OtlpResource = GrafanaProfiles.Schema.Otlp.Resource.V1.Resource;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

internal sealed partial class OtlpConverter
{
    /// <summary>The OpenTelemetry attribute that names the service (semantic conventions).</summary>
    internal const string ServiceNameAttribute = "service.name";

    /// <summary>Names the service when <c>service.name</c> is missing: <c>unknown_service:&lt;exe&gt;</c>, as Pyroscope does.</summary>
    internal const string ExecutableNameAttribute = "process.executable.name";

    internal const string FallbackServiceName = "unknown_service";

    private enum AttributeKind : byte
    {
        /// <summary>No label: an empty key or value, a value kind labels cannot hold, or a per-sample id.</summary>
        Ignored,
        Label,
        /// <summary><c>service.name</c>: the service_name column, not a label.</summary>
        ServiceName,
        /// <summary><c>span_id</c> on a sample (16 hex digits, as the pprof decoder reads it): the row's span.</summary>
        SpanId,
    }

    private readonly record struct ResolvedAttribute(AttributeKind Kind, string Name, string Value, ulong SpanId);

    /// <summary>Attribute-table index → its resolution as a sample attribute, once resolved.</summary>
    private readonly ResolvedAttribute?[] _attributes;

    /// <summary>
    /// The labels one level (resource, scope, profile) contributes, in order, and the service name
    /// it gives, if any. <see cref="ExecutableName"/> is only read from the resource.
    /// </summary>
    private sealed record LabelLayer(List<KeyValuePair<string, string>> Pairs, string? ServiceName, string? ExecutableName = null);

    /// <summary>The levels above a profile.</summary>
    private readonly record struct LabelLayers(LabelLayer Resource, LabelLayer Scope);

    private LabelLayer ResourceLabels(OtlpResource? resource) =>
        resource is null ? new LabelLayer([], null) : FromKeyValues(resource.Attributes, "resource.attributes");

    private LabelLayer ScopeLabels(InstrumentationScope? scope) =>
        scope is null ? new LabelLayer([], null) : FromKeyValues(scope.Attributes, "scope.attributes");

    /// <summary>Resource and scope attributes: <c>KeyValue</c>s whose key is a string or a string-table index.</summary>
    private LabelLayer FromKeyValues(RepeatedField<KeyValue> attributes, string owner)
    {
        var pairs = new List<KeyValuePair<string, string>>(attributes.Count);
        string? service = null;
        string? executable = null;
        for (var i = 0; i < attributes.Count; i++)
        {
            var attribute = attributes[i];
            var key = attribute.Key.Length > 0 ? attribute.Key : String(attribute.KeyStrindex, new Ref(owner, i, "key_strindex"));
            var value = LabelValue(attribute.Value, new Ref(owner, i, "value"));
            var resolved = Classify(key, value, sampleLevel: false, new Ref(owner, i, "key"));
            if (resolved.Kind == AttributeKind.ServiceName)
            {
                service = resolved.Value;
            }
            else if (resolved.Kind == AttributeKind.Label)
            {
                pairs.Add(new(resolved.Name, resolved.Value));
                if (key == ExecutableNameAttribute)
                {
                    executable = resolved.Value;
                }
            }
        }
        return new LabelLayer(pairs, service, executable);
    }

    /// <summary>The profile's own attributes (<c>Profile.attribute_indices</c>).</summary>
    private LabelLayer ProfileLabels(Profile profile)
    {
        var indices = profile.AttributeIndices;
        var pairs = new List<KeyValuePair<string, string>>(indices.Count);
        string? service = null;
        for (var i = 0; i < indices.Count; i++)
        {
            var resolved = Attribute(indices[i], new Ref("profile", -1, "attribute_indices", i));
            if (resolved.Kind == AttributeKind.ServiceName)
            {
                service = resolved.Value;
            }
            else if (resolved.Kind == AttributeKind.Label)
            {
                pairs.Add(new(resolved.Name, resolved.Value));
            }
        }
        return new LabelLayer(pairs, service);
    }

    /// <summary>An attribute-table entry, resolved once per request (as a sample attribute).</summary>
    private ResolvedAttribute Attribute(int index, Ref where)
    {
        if ((uint)index < (uint)_attributes.Length && _attributes[index] is { } resolved)
        {
            return resolved;
        }
        var entry = At(_dictionary.AttributeTable, index, "attribute_table", where, static () => new KeyValueAndUnit());
        var key = String(entry.KeyStrindex, new Ref("attribute_table", index, "key_strindex"));
        var value = LabelValue(entry.Value, new Ref("attribute_table", index, "value"));
        resolved = Classify(key, value, sampleLevel: true, new Ref("attribute_table", index, "key_strindex"));
        if ((uint)index < (uint)_attributes.Length)
        {
            _attributes[index] = resolved;
        }
        return resolved;
    }

    /// <summary>
    /// What an attribute becomes. Label names are sanitised to the store's rule (see
    /// <see cref="SanitizeLabelName"/>) and checked against the name and value limits.
    /// </summary>
    private ResolvedAttribute Classify(string key, string? value, bool sampleLevel, Ref where)
    {
        if (key.Length == 0 || value is null)
        {
            return default;
        }
        switch (key)
        {
            case ServiceNameAttribute:
                return new ResolvedAttribute(AttributeKind.ServiceName, key, value, 0);
            case "span_id":
                return sampleLevel ? new ResolvedAttribute(AttributeKind.SpanId, key, value, ParseSpanId(value, where)) : default;
            case "trace_id" or "profile_id":
                // Per-sample identifiers: unbounded cardinality as labels, and the store has no
                // column for them (spans link to traces). The pprof decoder drops them too.
                return default;
        }
        var name = SanitizeLabelName(key);
        if (name == LabelRules.ServiceName || name.StartsWith("__", StringComparison.Ordinal))
        {
            // service_name is the store's own column (service.name fills it), and names starting
            // with "__" are reserved for the system (__name__, __profile_type__), as in Prometheus
            // and Pyroscope (whose OTLP ingest skips a __name__ attribute).
            return default;
        }
        var utf8Name = Encoding.UTF8.GetBytes(name);
        var place = where.ToString();
        LabelChecks.CheckName(utf8Name, _limits, place);
        LabelChecks.CheckValue(utf8Name, Encoding.UTF8.GetByteCount(value), _limits, place);
        return new ResolvedAttribute(AttributeKind.Label, name, value, 0);
    }

    /// <summary>
    /// A label value, as Pyroscope takes it: a string (inline or from the string table), an integer
    /// in decimal, or a one-element array of those; we also take booleans (<c>true</c>/<c>false</c>).
    /// Doubles, bytes, lists, maps and empty strings give no label (null).
    /// </summary>
    private string? LabelValue(AnyValue? value, Ref where)
    {
        if (value?.ValueCase == AnyValue.ValueOneofCase.ArrayValue && value.ArrayValue.Values.Count == 1
            && value.ArrayValue.Values[0].ValueCase is not (AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue))
        {
            value = value.ArrayValue.Values[0];
        }
        var text = value?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.StringValueStrindex => String(value.StringValueStrindex, where with { Tail = "string_value_strindex" }),
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            _ => null,
        };
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>
    /// Makes an attribute key a label name of the store's rule <c>[a-zA-Z_][a-zA-Z0-9_.]*</c>:
    /// dots stay (OpenTelemetry names such as <c>k8s.pod.name</c> keep their form), every other
    /// character outside the rule becomes <c>_</c>, and a name that would start with a digit or a
    /// dot gets a leading <c>_</c>. Pyroscope instead turns dots into underscores and rejects the
    /// series for any other character.
    /// </summary>
    internal static string SanitizeLabelName(string key)
    {
        if (key.Length == 0 || LabelRules.IsValid(key))
        {
            return key.Length == 0 ? "_" : key;
        }
        var name = new StringBuilder(key.Length + 1);
        if (!(char.IsAsciiLetter(key[0]) || key[0] == '_'))
        {
            name.Append('_');
        }
        foreach (var rune in key.EnumerateRunes())
        {
            name.Append(rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '_' or '.') ? (char)rune.Value : '_');
        }
        return name.ToString();
    }

    /// <summary>A span id attribute: 16 hex digits (8 bytes, as OpenTelemetry writes them).</summary>
    private static ulong ParseSpanId(string hex, Ref where)
    {
        if (hex.Length == 16 && ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }
        throw Invalid($"The span_id attribute ({where}) is '{Quote(hex)}', which is not 16 hexadecimal digits.");
    }
}
