using System.Security.Cryptography;
using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Partitions;

namespace GrafanaProfiles.Collector.Ingest.Auth;

/// <summary>The credentials that may write to one tenant: bearer tokens and Basic user/password pairs.</summary>
public sealed record TenantCredentialSet(IReadOnlyList<string> BearerTokens, IReadOnlyList<(string Username, string Password)> Basic);

/// <summary>Whether requests need credentials, and each tenant's.</summary>
public sealed record AuthPolicy(bool Enabled, IReadOnlyDictionary<string, TenantCredentialSet> Tenants)
{
    /// <summary>No credentials needed: any valid tenant name may write.</summary>
    public static AuthPolicy None { get; } = new(false, new Dictionary<string, TenantCredentialSet>());
}

/// <summary>
/// Resolves a request's tenant from <c>X-Scope-OrgID</c> (default <c>default</c>) and, when auth
/// is enabled, checks its Bearer token or Basic credentials against that tenant's, in constant time.
/// </summary>
public sealed class TenantAuthenticator
{
    public const string TenantHeader = "X-Scope-OrgID";
    public const string DefaultTenant = "default";

    private readonly bool _enabled;
    /// <summary>Digests of each tenant's secrets, computed once: a request hashes only what it sent.</summary>
    private readonly Dictionary<string, (byte[][] Tokens, (byte[] User, byte[] Password)[] Basic)> _tenants = new(StringComparer.Ordinal);

    public TenantAuthenticator(AuthPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _enabled = policy.Enabled;
        foreach (var (tenant, credentials) in policy.Tenants)
        {
            _tenants[tenant] = ([.. credentials.BearerTokens.Select(Digest)], [.. credentials.Basic.Select(b => (Digest(b.Username), Digest(b.Password)))]);
        }
    }

    /// <summary>
    /// The tenant the request may write to. Throws <see cref="ProfileRejectedException"/>:
    /// <see cref="RejectReason.InvalidRequest"/> for a malformed tenant name,
    /// <see cref="RejectReason.Unauthorized"/> for missing or wrong credentials.
    /// </summary>
    public string Authenticate(string? tenantHeader, string? authorization)
    {
        var tenant = string.IsNullOrWhiteSpace(tenantHeader) ? DefaultTenant : tenantHeader.Trim();
        CheckTenantName(tenant);
        if (!_enabled)
        {
            return tenant;
        }
        if (!_tenants.TryGetValue(tenant, out var credentials))
        {
            throw Unauthorized($"Tenant '{tenant}' has no credentials configured on this collector.");
        }
        if (string.IsNullOrEmpty(authorization))
        {
            throw Unauthorized($"Tenant '{tenant}' requires credentials: send 'Authorization: Bearer <token>' or Basic credentials.");
        }
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = Digest(authorization[7..].Trim());
            // Evaluate every entry so the time taken does not depend on which one matches.
            var match = false;
            foreach (var t in credentials.Tokens)
            {
                match |= CryptographicOperations.FixedTimeEquals(t, token);
            }
            if (match)
            {
                return tenant;
            }
        }
        else if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(authorization[6..].Trim(), out var user, out var password))
        {
            var (userDigest, passwordDigest) = (Digest(user), Digest(password));
            var match = false;
            foreach (var (u, p) in credentials.Basic)
            {
                match |= CryptographicOperations.FixedTimeEquals(u, userDigest) & CryptographicOperations.FixedTimeEquals(p, passwordDigest);
            }
            if (match)
            {
                return tenant;
            }
        }
        throw Unauthorized($"The credentials are not valid for tenant '{tenant}'.");
    }

    /// <summary>Throws <see cref="RejectReason.InvalidRequest"/> unless <paramref name="tenant"/> is a usable tenant (directory) name.</summary>
    public static void CheckTenantName(string tenant)
    {
        if (!PartitionLayout.IsValidTenant(tenant))
        {
            throw new ProfileRejectedException(RejectReason.InvalidRequest,
                $"{TenantHeader} '{tenant}' is not a valid tenant: use 1 to 150 letters, digits, '-', '_' or '.'.");
        }
    }

    private static ProfileRejectedException Unauthorized(string message) => new(RejectReason.Unauthorized, message);

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

    /// <summary>Secrets are compared as digests, so neither their content nor their length shows in the timing.</summary>
    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
