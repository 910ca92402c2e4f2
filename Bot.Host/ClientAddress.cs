using System.Net;
using System.Net.Sockets;

namespace Bot.Host;

/// <summary>
/// The one grouping of clients every per-client limit counts by (requests, new conversations, sign-ins, escalations): the
/// address after a trusted proxy's X-Forwarded-For, IPv4 as it is, IPv6 by its /64, which is what one subscriber gets
/// (otherwise each of its 2^64 addresses would be a fresh bucket).
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => Of(http.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "-";
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
