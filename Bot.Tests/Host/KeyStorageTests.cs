using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host;

/// <summary>
/// Issue 13, item 4 and issue 16, item 5: the keys that open sealed data and pseudonyms are kept apart from the data (a folder
/// off it, or the database with a certificate outside it), private, and optionally encrypted.
/// </summary>
public class KeyStorageTests
{
    [Fact]
    public async Task In_production_the_host_refuses_keys_under_the_data_folder_unless_the_operator_accepts_it()
    {
        var data = Directory.CreateTempSubdirectory("bot-data-").FullName;
        var underData = new Dictionary<string, string> { ["DataProtection:KeyPath"] = Path.Combine(data, "keys") };
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(data, underData));
        Assert.Contains("DataProtection:AcceptKeysUnderDataPath", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "keys", "pseudonym.key")));   // refused before any key was made

        underData["DataProtection:AcceptKeysUnderDataPath"] = "true";
        await using var accepted = await HostProcess.StartAsync(data, underData);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await accepted.Http.PostAsync("v3/directline/conversations", null)).StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // file modes are Unix's; Windows keeps the folder's ACL
    public async Task Key_files_are_readable_by_the_host_account_only_and_the_folder_is_private()
    {
        await using var host = await HostProcess.StartAsync();
        (await host.Http.PostAsync("v3/directline/conversations", null)).EnsureSuccessStatusCode();   // seals: the key ring exists
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(host.KeyPath));
        var files = Directory.GetFiles(host.KeyPath);
        Assert.Contains(files, f => f.EndsWith("pseudonym.key", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".xml", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Equal(owner, File.GetUnixFileMode(f)));
    }

    [Fact]
    public async Task With_a_certificate_configured_the_key_ring_is_encrypted_at_rest()
    {
        var data = Directory.CreateTempSubdirectory("bot-data-").FullName;
        var settings = await CertificateAsync();
        string id, token, watermark;
        await using (var host = await HostProcess.StartAsync(data, settings))
        {
            var chat = new WebChatClient(host.Http);
            await chat.StartAsync();
            (id, token, watermark) = (chat.ConversationId, chat.Token, chat.Watermark);
            var ring = string.Concat(Directory.GetFiles(host.KeyPath, "*.xml").Select(File.ReadAllText));
            Assert.Contains("encryptedSecret", ring, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", ring, StringComparison.Ordinal);   // no key in the clear
            await host.KillAsync();
        }
        // The same certificate opens the ring again after a restart: the conversation's token and sealed state still open.
        await using var again = await HostProcess.StartAsync(data, settings);
        var resumed = new WebChatClient(again.Http);
        resumed.Resume(id, token, watermark);
        var replies = await resumed.SayAsync("/help");
        Assert.NotEmpty(replies);
    }

    [Fact]
    public async Task In_production_keys_in_the_database_without_a_certificate_refuse_to_start_unless_the_operator_accepts_it()
    {
        var settings = TestStorage.Settings(StorageProvider.PostgreSql);
        settings.Remove(KeyStorage.AcceptKeysInDatabase);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(settings: settings));
        Assert.StartsWith("The host exited with code 1:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("without a certificate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DataProtection:CertificatePath", refused.Message, StringComparison.Ordinal);
        Assert.Contains(KeyStorage.AcceptKeysInDatabase + "=true", refused.Message, StringComparison.Ordinal);
        await using (var db = StorageSetup.Open(TestStorage.Of("", settings)))
        {
            Assert.NotEmpty(await db.Database.GetPendingMigrationsAsync());   // refused before it touched the database
        }

        settings[KeyStorage.AcceptKeysInDatabase] = "true";
        await using var accepted = await HostProcess.StartAsync(settings: settings);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await accepted.Http.PostAsync("v3/directline/conversations", null)).StatusCode);
    }

    [Fact]
    public async Task With_a_certificate_the_key_ring_in_the_database_is_encrypted_and_another_host_with_that_certificate_opens_it()
    {
        var settings = TestStorage.Settings(StorageProvider.PostgreSql, await CertificateAsync());
        settings.Remove(KeyStorage.AcceptKeysInDatabase);   // a certificate is what Production asks for
        await using var first = await HostProcess.StartAsync(settings: settings);
        var chat = new WebChatClient(first.Http);
        await chat.StartAsync();
        await using (var db = TestDatabase.Open(first))
        {
            var ring = Assert.Single(await db.DataProtectionKeys.AsNoTracking().ToListAsync()).Xml!;
            Assert.Contains("<encryptedSecret", ring, StringComparison.Ordinal);
            Assert.Contains("EncryptedKey", ring, StringComparison.Ordinal);   // XML Encryption: the master key wrapped for the certificate
            Assert.DoesNotContain("<masterKey", ring, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", ring, StringComparison.Ordinal);
        }
        // Another host (its own data and key folder) with the same certificate carries the conversation on.
        await using var second = await HostProcess.StartAsync(settings: settings);
        var resumed = new WebChatClient(second.Http);
        resumed.Resume(chat.ConversationId, chat.Token, chat.Watermark);
        Assert.NotEmpty(await resumed.SayAsync("/help"));
    }

    /// <summary>A self-signed certificate for the key ring, and the settings that name it.</summary>
    private static async Task<Dictionary<string, string>> CertificateAsync()
    {
        var certificatePath = Path.Combine(Directory.CreateTempSubdirectory("bot-cert-").FullName, "keys.pfx");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=bot key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pkcs12, "test"));
        return new Dictionary<string, string> { ["DataProtection:CertificatePath"] = certificatePath, ["DataProtection:CertificatePassword"] = "test" };
    }
}
