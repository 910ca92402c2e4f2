using System.Security.Cryptography;
using System.Text;

namespace Bot.Host.Turns;

/// <summary>
/// The keyed hash under which a person's channel id appears in logs and storage keys: stable for one
/// deployment, useless without its key (Privacy:PseudonymKey, or a random key kept in the key folder, DataProtection:KeyPath).
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
            Storage.KeyStorage.PrivateFolder(Path.GetDirectoryName(keyFile)!);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = Storage.KeyStorage.FileMode;   // 0600 from the first byte
            }
            using var file = new FileStream(keyFile, create);
            file.Write(RandomNumberGenerator.GetBytes(32));
        }
        _key = File.ReadAllBytes(keyFile);
    }

    public static string Of(string id) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(id)))[..16];
}
