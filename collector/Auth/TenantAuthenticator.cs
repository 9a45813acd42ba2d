using System.Security.Cryptography;
using System.Text;
using GrafanaProfiles.Collector.Hosting;
using GrafanaProfiles.Collector.Ingest;
using GrafanaProfiles.Store.Partitions;

namespace GrafanaProfiles.Collector.Auth;

/// <summary>
/// Resolves a request's tenant from <c>X-Scope-OrgID</c> (default <c>default</c>) and, when auth
/// is enabled, checks its Bearer token or Basic credentials against that tenant's, in constant time.
/// </summary>
public sealed class TenantAuthenticator(AuthSettings settings)
{
    public const string TenantHeader = "X-Scope-OrgID";
    public const string DefaultTenant = "default";

    /// <summary>The tenant the request may write to; throws <see cref="IngestRejectedException"/> otherwise.</summary>
    public string Authenticate(string? tenantHeader, string? authorization)
    {
        var tenant = string.IsNullOrWhiteSpace(tenantHeader) ? DefaultTenant : tenantHeader.Trim();
        if (!PartitionLayout.IsValidTenant(tenant))
        {
            throw new IngestRejectedException(RejectionReason.InvalidRequest,
                $"{TenantHeader} '{tenant}' is not a valid tenant: use 1 to 150 letters, digits, '-', '_' or '.'.");
        }
        if (!settings.Enabled)
        {
            return tenant;
        }
        if (!settings.Tenants.TryGetValue(tenant, out var credentials))
        {
            throw new IngestRejectedException(RejectionReason.Unauthorized, $"Tenant '{tenant}' has no credentials configured on this collector.");
        }
        if (string.IsNullOrEmpty(authorization))
        {
            throw new IngestRejectedException(RejectionReason.Unauthorized,
                $"Tenant '{tenant}' requires credentials: send 'Authorization: Bearer <token>' or Basic credentials.");
        }
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[7..].Trim();
            if (credentials.BearerTokens.Any(t => FixedTimeEquals(t, token)))
            {
                return tenant;
            }
        }
        else if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(authorization[6..].Trim(), out var user, out var password))
        {
            // Evaluate every entry so the time taken does not depend on which one matches.
            var match = false;
            foreach (var c in credentials.Basic)
            {
                match |= FixedTimeEquals(c.Username, user) & FixedTimeEquals(c.Password, password);
            }
            if (match)
            {
                return tenant;
            }
        }
        throw new IngestRejectedException(RejectionReason.Unauthorized, $"The credentials are not valid for tenant '{tenant}'.");
    }

    private static bool TryDecodeBasic(string encoded, out string user, out string password)
    {
        user = password = "";
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }
            user = text[..colon];
            password = text[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Compares digests, so neither the content nor the length of a secret shows in the timing.</summary>
    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(actual)));
}
