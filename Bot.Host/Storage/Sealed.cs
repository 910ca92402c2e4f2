using Microsoft.AspNetCore.DataProtection;

namespace Bot.Host.Storage;

/// <summary>
/// Encrypts what must be stored but must not be readable from the database file alone (clause 31):
/// raw channel ids, the conversation's state, every reply in the outbox and, with operators, what people and operators wrote. The keys live outside the
/// database (DataProtection:KeyPath), or in it encrypted for a certificate that is not (see <see cref="KeyStorage"/>).
/// </summary>
public sealed class Sealed(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("bot.storage.v1");

    public string Seal(string text) => _protector.Protect(text);

    public string Open(string sealedText) => _protector.Unprotect(sealedText);

    /// <summary>Sealed JSON, or JSON from before it was sealed: sealed text is base64url, so it never starts with '{'.</summary>
    public string OpenJson(string stored) => stored.StartsWith('{') ? stored : Open(stored);
}
