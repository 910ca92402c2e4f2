using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bot.Host.Storage;

/// <summary>Where the Data Protection key ring and the pseudonym key live.</summary>
public enum KeyStore
{
    /// <summary>A folder (DataProtection:KeyPath): the default on SQLite. Several hosts must share it.</summary>
    Files,
    /// <summary>The database's DataProtectionKeys and HostKeys rows: the default on PostgreSQL, where every host reads them.</summary>
    Database,
}

/// <summary>The key settings (DataProtection and Privacy sections), resolved once.</summary>
public sealed record KeyOptions(KeyStore Store, string KeyPath, string DataPath, string? CertificatePath, string? CertificatePassword, string? PseudonymSecret)
{
    public static KeyOptions From(IConfiguration configuration)
    {
        var storage = StorageOptions.From(configuration);
        var data = Path.GetFullPath(storage.DataPath);
        return new KeyOptions(
            configuration.GetValue<KeyStore?>("DataProtection:KeyStore") ?? (storage.Provider == StorageProvider.PostgreSql ? KeyStore.Database : KeyStore.Files),
            Path.GetFullPath(configuration["DataProtection:KeyPath"] is { Length: > 0 } keyPath ? keyPath : Path.Combine(data, "keys")),
            data,
            configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificate ? certificate : null,
            configuration["DataProtection:CertificatePassword"],
            configuration["Privacy:PseudonymKey"] is { Length: > 0 } secret ? secret : null);
    }
}

/// <summary>
/// Where the keys live: the Data Protection key ring (it opens every sealed value, web chat token and operator cookie) and the
/// pseudonym key (it turns Telegram chat ids into conversation keys, and could turn them back by trying ids). Whoever has both
/// the data and these keys reads everything, so in Production they must be kept apart: keys in a folder off the data folder,
/// or keys in the database encrypted by a certificate that is not in it.
/// </summary>
public static class KeyStorage
{
    /// <summary>The setting by which an operator accepts keys under the data folder in Production (a copy of that folder then opens everything).</summary>
    public const string AcceptKeysUnderDataPath = "DataProtection:AcceptKeysUnderDataPath";
    /// <summary>The setting by which an operator accepts keys in the database without a certificate (a dump of it then opens everything).</summary>
    public const string AcceptKeysInDatabase = "DataProtection:AcceptKeysInDatabase";

    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string PseudonymKeyName = "pseudonym";
    /// <summary>The advisory lock (of <see cref="StorageSetup.StartLocks"/>) under which a host makes or reads the key ring at start.</summary>
    private const int KeyRingLock = 2;

    public static IHostApplicationBuilder AddKeys(this IHostApplicationBuilder builder)
    {
        var keys = KeyOptions.From(builder.Configuration);
        if (builder.Environment.IsProduction())
        {
            RefuseKeysBesideTheData(keys, builder.Configuration);
        }
        builder.Services.AddKeys(keys);
        return builder;
    }

    private static void RefuseKeysBesideTheData(KeyOptions keys, IConfiguration configuration)
    {
        var pseudonyms = keys.PseudonymSecret is null ? " and reverse the pseudonyms" : "";
        if (keys.Store == KeyStore.Files && IsUnder(keys.KeyPath, keys.DataPath) && !configuration.GetValue(AcceptKeysUnderDataPath, false))
        {
            throw new InvalidOperationException(
                $"The keys ({keys.KeyPath}) are under the data folder ({keys.DataPath}): a copy of that folder would open every sealed value"
                + pseudonyms + ". Set DataProtection:KeyPath to a folder on another volume "
                + $"(see the README, \"Keys\"), or set {AcceptKeysUnderDataPath}=true to accept the risk.");
        }
        if (keys.Store == KeyStore.Database && keys.CertificatePath is null && !configuration.GetValue(AcceptKeysInDatabase, false))
        {
            throw new InvalidOperationException(
                "The Data Protection key ring is kept in the database (DataProtection:KeyStore=Database, the default on PostgreSQL) "
                + "without a certificate: a copy of the database would open every sealed value" + pseudonyms + ". Set "
                + "DataProtection:CertificatePath (and DataProtection:CertificatePassword) to a certificate kept outside the database, "
                + "the same on every host (see the README, \"Keys\"); or DataProtection:KeyStore=Files with DataProtection:KeyPath on a "
                + $"volume every host shares; or set {AcceptKeysInDatabase}=true to accept the risk.");
        }
    }

    /// <summary>Data Protection on the configured key store: for the host, and for tools and tests that open what it sealed.</summary>
    public static IServiceCollection AddKeys(this IServiceCollection services, KeyOptions keys)
    {
        services.AddSingleton(keys);
        var protection = services.AddDataProtection().SetApplicationName("bot");
        if (keys.Store == KeyStore.Database)
        {
            // PersistKeysToDbContext's repository, without its logger: at Debug it writes every key row's XML to the log.
            services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, root) =>
                options.XmlRepository = new EntityFrameworkCoreXmlRepository<BotDb>(root, NullLoggerFactory.Instance));
        }
        else
        {
            PrivateFolder(keys.KeyPath);
            services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((options, logs) =>
                options.XmlRepository = new PrivateFileRepository(new DirectoryInfo(keys.KeyPath), logs));
        }
        if (keys.CertificatePath is not null)
        {
            // The key ring encrypted at rest: its files or rows alone no longer open anything without this certificate's private key.
            protection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(keys.CertificatePath, keys.CertificatePassword));
        }
        return services;
    }

    /// <summary>
    /// At start, after the migrations and before the first request: the key ring made or read and the pseudonym key chosen
    /// (Privacy:PseudonymKey; else the one in the database, or in the key folder).
    /// </summary>
    public static async Task UseKeysAsync(this IServiceProvider services)
    {
        var keys = services.GetRequiredService<KeyOptions>();
        var secret = keys.PseudonymSecret is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(keys.PseudonymSecret));
        var shared = keys.Store == KeyStore.Database ? await SharedKeysAsync(services, pseudonym: secret is null) : null;
        Pseudonym.UseKey(secret ?? shared ?? PseudonymKeyFile(Path.Combine(keys.KeyPath, "pseudonym.key")));
    }

    /// <summary>The key ring in the database made or read, and the pseudonym key every host of it shares (made by the first).</summary>
    private static async Task<byte[]?> SharedKeysAsync(IServiceProvider services, bool pseudonym)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        await using var transaction = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync() : null;
        if (transaction is not null)
        {
            // Two hosts starting at once on an empty database would each make a key and seal with one the other has not read:
            // Data Protection rereads its ring for an unknown key id only in its first 2 minutes, then once a day. One at a time,
            // the first makes the key and the others read it.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({StorageSetup.StartLocks}, {KeyRingLock})");
        }
        var protector = services.GetRequiredService<IDataProtectionProvider>().CreateProtector("bot.host-keys.v1");
        var candidate = protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));   // makes the ring if it is empty
        byte[]? key = null;
        if (pseudonym)
        {
            // Race-free without the lock too: the first insert wins and every host reads the winner.
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO "HostKeys" ("Name", "Value") VALUES ({PseudonymKeyName}, {candidate}) ON CONFLICT DO NOTHING""");
            var won = await db.HostKeys.AsNoTracking().Where(k => k.Name == PseudonymKeyName).Select(k => k.Value).SingleAsync();
            key = Convert.FromBase64String(protector.Unprotect(won));
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }
        return key;
    }

    /// <summary>The pseudonym key in the key folder, made on first use (0600 from its first byte).</summary>
    private static byte[] PseudonymKeyFile(string keyFile)
    {
        if (!File.Exists(keyFile))
        {
            PrivateFolder(Path.GetDirectoryName(keyFile)!);
            var create = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = FileMode;
            }
            using var file = new FileStream(keyFile, create);
            file.Write(RandomNumberGenerator.GetBytes(32));
        }
        return File.ReadAllBytes(keyFile);
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
