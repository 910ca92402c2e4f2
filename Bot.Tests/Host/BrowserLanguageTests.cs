using Bot.Host;
using Microsoft.AspNetCore.Http;

namespace Bot.Tests.Host;

/// <summary>Issue 15, item 4: the browser's Accept-Language is read whole, by its q-values, not by its first entry only.</summary>
public class BrowserLanguageTests
{
    [Theory]
    [InlineData("fr-FR, ru-RU;q=0.9, en;q=0.8", "ru")]          // an unsupported first entry: the next we have
    [InlineData("uz-Latn-UZ", "uz")]
    [InlineData("de;q=1.0, ky-KG;q=0.3, tg;q=0.7", "tg")]       // by q-value, not by order
    [InlineData("en;q=0.5, kk-KZ;q=0.5", "en")]                 // equal q-values: the header's order
    [InlineData("ru;q=0, en;q=0.1", "en")]                       // q=0 is "not this one"
    [InlineData("fr, de;q=0.9, *;q=0.1", null)]                  // none of ours (the wildcard chooses nothing)
    [InlineData("", null)]
    public void The_first_supported_language_by_quality_is_chosen(string header, string? expected)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.AcceptLanguage = header;
        Assert.Equal(expected, BrowserLanguage.Of(http.Request, TestContent.Content.LanguageCodes));
    }

    [Fact]
    public async Task The_web_chat_greets_in_the_first_supported_language_of_the_browser()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync("fr-FR, ru-RU;q=0.9, en;q=0.8");
        Assert.Equal(TestContent.Content["ru"].Text("privacy.ask"), WebChatClient.Text(chat.LastPrompt));
    }
}
