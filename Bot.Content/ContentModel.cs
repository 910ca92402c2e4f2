namespace Bot.Content;

/// <summary>The six forms of exploitation of Appendix 1; the key is the section name under what/.</summary>
public enum Form { Labour, Sexual, Begging, Organs, Crime, ChildSale }

public static class Forms
{
    public static readonly IReadOnlyDictionary<string, Form> ByKey = new Dictionary<string, Form>
    {
        ["labour"] = Form.Labour,
        ["sexual"] = Form.Sexual,
        ["begging"] = Form.Begging,
        ["organs"] = Form.Organs,
        ["crime"] = Form.Crime,
        ["child-sale"] = Form.ChildSale,
    };

    public static string Key(this Form form) => ByKey.First(pair => pair.Value == form).Key;
}

/// <summary>One Appendix 1 indicator with its questions in one language.</summary>
public sealed record Indicator(string Id, string Cite, string Section, string Rule, string Self, string Witness, string? Child)
{
    public Form? Form => Section.StartsWith("what/", StringComparison.Ordinal)
        && Forms.ByKey.TryGetValue(Section["what/".Length..], out var form) ? form : null;
}

public sealed record IndicatorSection(string Key, string Title, IReadOnlyList<Indicator> Items);

public sealed record CardItem(int N, string Cite, string Summary, string Text);

/// <summary>Appendix 2: the information card given on every exit path (clauses 13, 33).</summary>
public sealed record RightsCard(string Title, string Intro, IReadOnlyList<CardItem> Rights, IReadOnlyList<CardItem> Duties, string Closing);

public sealed record Contact(string Id, string Number, string Name, string What);

/// <summary>
/// A consulate of another country in Kazakhstan (Appendix 2, right 10), from contacts.yaml `consulates:`: empty unless a
/// deployment has checked a number and filled it in; <see cref="Country"/> is the ISO 3166-1 alpha-2 code.
/// </summary>
public sealed record Consulate(string Country, string Number, string Name, string What);

/// <summary>
/// A screen's words: the prompt for the person themself, a witness and a child, and the labels of its
/// options (a child's label where it differs).
/// </summary>
public sealed record ChoiceText(string Self, string Witness, string Child, IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> ChildOptions)
{
    public string Label(string option, bool child) => child && ChildOptions.TryGetValue(option, out var label) ? label : Options[option];
}

/// <summary>Everything the bot says in one language, and the operators' console in that language.</summary>
public sealed record LanguagePack(
    string Code,
    IReadOnlyList<IndicatorSection> Sections,
    IReadOnlyDictionary<string, Indicator> Indicators,
    IReadOnlyDictionary<string, ChoiceText> Choices,
    IReadOnlyDictionary<string, string> Signs,
    IReadOnlyDictionary<string, string> ChildSigns,
    IReadOnlyDictionary<string, string> Words,
    RightsCard Rights,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyDictionary<string, string> Ui,
    IReadOnlyDictionary<string, string> Operators)
{
    /// <summary>Where the language comes in the picker (meta.yaml `order:`).</summary>
    public int Order { get; init; }

    public ReviewState Review { get; init; } = new(false, "", "", "");

    /// <summary>Consulates a deployment has filled in (contacts.yaml); none by default.</summary>
    public IReadOnlyList<Consulate> Consulates { get; init; } = [];

    /// <summary>Whether the operators' console has this language (its folder has an operators.yaml).</summary>
    public bool HasConsole => Operators.Count > 0;

    /// <summary>A UI string with {name} placeholders filled in.</summary>
    public string Text(string key, params (string Name, string Value)[] values) => Fill(Ui, key, values);

    /// <summary>A string of the operators' console, sign-in and supervisor pages (operators.yaml).</summary>
    public string Operator(string key, params (string Name, string Value)[] values) => Fill(Operators, key, values);

    private static string Fill(IReadOnlyDictionary<string, string> texts, string key, (string Name, string Value)[] values)
    {
        var text = texts.TryGetValue(key, out var found) ? found : key;
        foreach (var (name, value) in values)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        return text;
    }

    public Contact Contact(string id) => Contacts.First(c => c.Id == id);

    /// <summary>A sign's short label (lists, the result, the consent screen), a child's where it differs.</summary>
    public string Sign(string indicator, bool child) =>
        child && ChildSigns.TryGetValue(indicator, out var label) ? label : Signs[indicator];

    /// <summary>A sentence of the screening's own (choices.yaml `words:`), {name} placeholders filled in.</summary>
    public string Word(string key, params (string Name, string Value)[] values)
    {
        var text = Words.TryGetValue(key, out var found) ? found : key;
        foreach (var (name, value) in values)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        return text;
    }
}

/// <summary>Who an option or a screen is for: everyone, adults only, or (presumed) minors only (clause 14).</summary>
public enum Audience { Everyone, Adult, Minor }

/// <summary>
/// One option of a choice screen: the Appendix 1 items it records when chosen, the forms it points at,
/// the screens it asks next, and whether it says the person is outside Kazakhstan.
/// </summary>
public sealed record ChoiceOption(string Id, Audience For, IReadOnlyList<string> Indicators, IReadOnlyList<Form> Forms,
    IReadOnlyList<string> Then, bool Abroad);

public enum ScreenKind { Choice, List, Question }

/// <summary>
/// A screen of the screening: a choice (options of <c>choices.yaml</c>), a "tap all that apply" list of
/// signs, or one yes/no question (an indicator id).
/// </summary>
public sealed record Screen(string Id, ScreenKind Kind, Audience For, IReadOnlyList<string> Indicators);

/// <summary>How much a person is asked: screens, and reading time at a phone reader's pace.</summary>
public sealed record Budget(int Screens, int ReadingSeconds, int WordsPerMinute);

/// <summary>
/// One rule of the level (Appendix 1: who + where + what): it holds when every count in <see cref="When"/>
/// is reached; the first rule that holds decides.
/// </summary>
public sealed record LevelRule(string Level, Audience For, IReadOnlyDictionary<string, int> When, string Cite);

/// <summary>The adaptive screening plan (clause 5): the same for every language.</summary>
public sealed record ScreeningPlan(
    Budget Budget,
    IReadOnlyList<string> Start,
    IReadOnlyList<string> Order,
    IReadOnlyList<string> Closing,
    IReadOnlyDictionary<string, Screen> Screens,
    IReadOnlyDictionary<Form, IReadOnlyList<string>> FollowUps,
    IReadOnlyDictionary<string, IReadOnlyList<ChoiceOption>> Choices,
    IReadOnlyList<LevelRule> Levels)
{
    /// <summary>The counts a level rule may name.</summary>
    public static readonly IReadOnlyList<string> Counts = ["who", "where", "what", "general", "minors", "border", "form", "danger"];
}

/// <summary>
/// Whether a native speaker outside the team has signed a language off (meta.yaml `review:`); until then
/// check-content warns about it and the README says so.
/// </summary>
public sealed record ReviewState(bool Reviewed, string By, string On, string Note);

/// <summary>
/// Every language is a folder of content/: the set of languages is discovered, never listed in code. Kazakh, the
/// original, comes first; the others in the order their meta.yaml gives.
/// </summary>
public sealed record BotContent(ScreeningPlan Plan, IReadOnlyDictionary<string, LanguagePack> Languages)
{
    /// <summary>The original every other language is checked against, and the default when nothing else is known.</summary>
    public const string Original = "kk";

    /// <summary>The person's languages, in the picker's order.</summary>
    public IReadOnlyList<string> LanguageCodes { get; } =
        [.. Languages.Values.OrderBy(p => p.Code == Original ? 0 : 1).ThenBy(p => p.Order).ThenBy(p => p.Code, StringComparer.Ordinal).Select(p => p.Code)];

    /// <summary>The languages the operators' console is written in: those with an operators.yaml.</summary>
    public IReadOnlyList<string> ConsoleLanguages => [.. LanguageCodes.Where(code => Languages[code].HasConsole)];

    public LanguagePack this[string code] => Languages[code];

    /// <summary>The first language a locale ("uz-Latn-UZ", "ky", "tg_TJ") names, or null.</summary>
    public string? LanguageOf(string? locale) =>
        locale is null ? null : LanguageCodes.FirstOrDefault(code => locale.Split('-', '_')[0].Equals(code, StringComparison.OrdinalIgnoreCase));
}
