using System.Security.Cryptography;
using System.Text;

namespace Bot.Host.Turns;

/// <summary>
/// The keyed hash under which a person's channel id appears in logs and storage keys: stable for one deployment, the same on
/// every host of it, useless without its key (chosen at start-up by <see cref="Storage.KeyStorage.UseKeysAsync"/>).
/// </summary>
public static class Pseudonym
{
    private static byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static void UseKey(byte[] key) => _key = key;

    public static string Of(string id) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(id)))[..16];
}
