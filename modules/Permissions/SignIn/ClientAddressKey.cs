using System.Net;
using System.Net.Sockets;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>What sign-in budgets and throttles count a client by.</summary>
public static class ClientAddressKey
{
    /// <summary>Requests whose address the server does not know share this one key.</summary>
    public const string UnknownKey = "unknown";

    /// <summary>
    /// An IPv4 address as it is; an IPv6 address by its /64, which is what one subscriber is
    /// usually given (counting each address would give every subscriber 2^64 budgets).
    /// </summary>
    public static string For(IPAddress? address)
    {
        if (address is null)
        {
            return UnknownKey;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
