using Microsoft.AspNetCore.DataProtection;

namespace Bot.Host.Storage;

/// <summary>
/// Encrypts what must be stored but must not be readable from the database file alone (clause 31):
/// raw channel ids and, with operators, what people and operators wrote. The keys live outside the
/// database (DataProtection:KeyPath).
/// </summary>
public sealed class Sealed(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("bot.storage.v1");

    public string Seal(string text) => _protector.Protect(text);

    public string Open(string sealedText) => _protector.Unprotect(sealedText);
}
