using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Bot.Host.Storage;

/// <summary>
/// Where the keys live: the Data Protection key ring (it opens every sealed value) and the pseudonym key (it turns Telegram
/// chat ids into conversation keys, and could turn them back by trying ids). Whoever has both the database and these keys reads
/// everything, so in Production they must be kept apart from the data folder.
/// </summary>
public static class KeyStorage
{
    /// <summary>The setting by which an operator accepts keys under the data folder in Production (a copy of that folder then opens everything).</summary>
    public const string AcceptKeysUnderDataPath = "DataProtection:AcceptKeysUnderDataPath";

    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var data = Path.GetFullPath(configuration["Storage:DataPath"] ?? "data");
        var keys = Path.GetFullPath(configuration["DataProtection:KeyPath"] is { Length: > 0 } keyPath ? keyPath : Path.Combine(data, "keys"));
        var pseudonymFromSecret = !string.IsNullOrEmpty(configuration["Privacy:PseudonymKey"]);
        if (builder.Environment.IsProduction() && IsUnder(keys, data) && !configuration.GetValue(AcceptKeysUnderDataPath, false))
        {
            throw new InvalidOperationException(
                $"The keys ({keys}) are under the data folder ({data}): a copy of that folder would open every sealed value"
                + (pseudonymFromSecret ? "" : " and reverse the pseudonyms") + ". Set DataProtection:KeyPath to a folder on another volume "
                + $"(see the README, \"Keys\"), or set {AcceptKeysUnderDataPath}=true to accept the risk.");
        }
        PrivateFolder(keys);
        Pseudonym.UseKey(configuration["Privacy:PseudonymKey"], Path.Combine(keys, "pseudonym.key"));

        var protection = builder.Services.AddDataProtection().SetApplicationName("bot");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((options, logs) =>
            options.XmlRepository = new PrivateFileRepository(new DirectoryInfo(keys), logs));
        if (configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
        {
            // The key ring encrypted at rest: the key files alone no longer open anything without this certificate's private key.
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, configuration["DataProtection:CertificatePassword"]);
            protection.ProtectKeysWithCertificate(certificate);
        }
        return builder;
    }

    private static bool IsUnder(string path, string folder) =>
        (path + Path.DirectorySeparatorChar).StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>A folder only this account can enter (0700).</summary>
    public static void PrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, FolderMode);
        File.SetUnixFileMode(path, FolderMode);   // an existing folder too
    }

    /// <summary>Data Protection's own file store, each key file then made readable by this account only (0600).</summary>
    private sealed class PrivateFileRepository(DirectoryInfo folder, ILoggerFactory logs) : IXmlRepository
    {
        private readonly FileSystemXmlRepository _files = new(folder, logs);

        public IReadOnlyCollection<XElement> GetAllElements() => _files.GetAllElements();

        public void StoreElement(XElement element, string friendlyName)
        {
            _files.StoreElement(element, friendlyName);
            if (!OperatingSystem.IsWindows())
            {
                foreach (var file in folder.EnumerateFiles("*.xml"))
                {
                    File.SetUnixFileMode(file.FullName, FileMode);
                }
            }
        }
    }
}
