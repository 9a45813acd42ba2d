using Google.Protobuf;
using GrafanaProfiles.Backend.Diagnostics;
using GrafanaProfiles.Backend.Queries;
using GrafanaProfiles.Backend.Settings;
using GrafanaProfiles.Schema.PluginV2;
using GrafanaProfiles.Store.Query;
using GrafanaProfiles.Store.Query.Selectors;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace GrafanaProfiles.Backend.Resources;

/// <summary>A resource handler: the request and the data source it runs against.</summary>
public delegate ResourceResponse ResourceHandler(ResourceRequest request, DataSourceInstance instance, CancellationToken cancellationToken);

/// <summary>
/// <c>pluginv2.Resource</c>: the HTTP-style calls the query editor makes through Grafana
/// (<c>/api/datasources/uid/&lt;uid&gt;/resources/&lt;path&gt;</c>). Bodies larger than one chunk are
/// streamed in <see cref="ChunkSize"/> pieces, which Grafana writes out in order.
/// </summary>
public sealed class ResourceService(InstanceManager instances, PluginMetrics metrics, ILogger logger, TimeProvider clock)
    : GrafanaProfiles.Schema.PluginV2.Resource.ResourceBase
{
    /// <summary>Largest body of one response message.</summary>
    public const int ChunkSize = 1024 * 1024;

    private readonly Dictionary<string, ResourceHandler> _handlers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _handlers.Keys;

    public ResourceService Add(string path, ResourceHandler handler)
    {
        _handlers[path] = handler;
        return this;
    }

    public override async Task CallResource(CallResourceRequest request, IServerStreamWriter<CallResourceResponse> responseStream, ServerCallContext context)
    {
        var resource = new ResourceRequest(request.Path, request.Method, request.Url, request.Body.Memory, clock.GetUtcNow().UtcDateTime);
        ResourceResponse response;
        if (!_handlers.TryGetValue(resource.Path, out var handler))
        {
            response = ResourceResponse.Error(404, $"No resource '{resource.Path}'; this data source serves {string.Join(", ", _handlers.Keys.Order(StringComparer.Ordinal))}.");
        }
        else
        {
            try
            {
                using var lease = instances.Acquire(request.PluginContext);
                response = handler(resource, lease.Instance, context.CancellationToken);
            }
            catch (SettingsException e)
            {
                response = ResourceResponse.Error(400, $"Data source setting '{e.Setting}': {e.Message}");
            }
            catch (QueryFailedException e)
            {
                response = ResourceResponse.Error(e.Status, e.Message);
            }
            catch (SelectorParseException e)
            {
                response = ResourceResponse.Error(400, "Label selector: " + e.Message);
            }
            catch (QueryException e)
            {
                response = ResourceResponse.Error(400, e.Message);
            }
            catch (QueryTimeoutException e)
            {
                response = ResourceResponse.Error(504, e.Message);
            }
            catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
            {
                logger.LogError(e, "Resource {Path} failed", resource.Path);
                response = ResourceResponse.Error(500, $"The plugin failed to answer '{resource.Path}': {e.Message}");
            }
        }
        metrics.Resource(_handlers.ContainsKey(resource.Path) ? resource.Path : "unknown", response.Code);
        await WriteAsync(responseStream, response);
    }

    private static async Task WriteAsync(IServerStreamWriter<CallResourceResponse> stream, ResourceResponse response)
    {
        var first = new CallResourceResponse { Code = response.Code };
        first.Headers["Content-Type"] = new StringList { Values = { response.ContentType } };
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            first.Headers[name] = new StringList { Values = { value } };
        }
        var body = response.Body;
        first.Body = ByteString.CopyFrom(body.Span[..Math.Min(body.Length, ChunkSize)]);
        await stream.WriteAsync(first);
        for (int offset = ChunkSize; offset < body.Length; offset += ChunkSize)
        {
            await stream.WriteAsync(new CallResourceResponse { Body = ByteString.CopyFrom(body.Span.Slice(offset, Math.Min(ChunkSize, body.Length - offset))) });
        }
    }
}
