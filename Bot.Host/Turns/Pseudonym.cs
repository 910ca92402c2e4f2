using System.Security.Cryptography;
using System.Text;

namespace Bot.Host.Turns;

/// <summary>
/// The keyed hash under which a person's channel id appears in logs and storage keys: stable for one
/// deployment, useless without its key (Privacy:PseudonymKey, or a random key kept in the data folder).
/// </summary>
public static class Pseudonym
{
    private static byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static void UseKey(string? secret, string keyFile)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            _key = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
            return;
        }
        if (!File.Exists(keyFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
            File.WriteAllBytes(keyFile, RandomNumberGenerator.GetBytes(32));
        }
        _key = File.ReadAllBytes(keyFile);
    }

    public static string Of(string id) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(id)))[..16];
}
