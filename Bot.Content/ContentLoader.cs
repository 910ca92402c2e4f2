using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Bot.Content;

/// <summary>
/// Loads content/ and validates it as a whole: a broken file stops start-up with file:line and the
/// key at fault, so a mistake never reaches a person in danger.
/// </summary>
public static partial class ContentLoader
{
    public const int MessageLimit = 4096;       // Telegram's limit for one message
    public const int QuestionLimit = 300;
    public const int ButtonLabelLimit = 40;     // keeps buttons readable on a small screen
    public const int IdLimit = 40;              // ids travel in 64-byte callback data

    public static readonly IReadOnlyList<string> SectionKeys =
    [
        "who/adults", "who/minors", "where/exploitation", "where/surface", "where/minors",
        "what/general", "what/minors", "what/border", "what/labour", "what/sexual", "what/begging",
        "what/organs", "what/crime", "what/child-sale",
    ];

    public const int SignLabelLimit = 48;       // a short statement on one or two lines of a phone, "✓ " included
    public static readonly IReadOnlyList<string> ContactIds = ["hotline", "police", "ambulance", "emergency"];

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^appendix-1/(?<section>[a-z]+/[a-z-]+)/(?<n>[1-9][0-9]*)$")]
    private static partial Regex IndicatorCitePattern();

    [GeneratedRegex(@"\{[a-z]+\}")]
    private static partial Regex PlaceholderPattern();

    /// <summary>Loads and validates; throws <see cref="ContentException"/> listing every problem.</summary>
    public static BotContent Load(string root, IEnumerable<string> requiredUiKeys, IEnumerable<string>? requiredOperatorKeys = null)
    {
        var errors = new List<ContentError>();
        var content = Read(root, requiredUiKeys.ToList(), (requiredOperatorKeys ?? []).ToList(), errors);
        return errors.Count == 0 ? content : throw new ContentException(errors);
    }

    /// <summary>Every problem found, in file order; empty when the content is valid.</summary>
    public static IReadOnlyList<ContentError> Check(string root, IEnumerable<string> requiredUiKeys, IEnumerable<string>? requiredOperatorKeys = null)
    {
        var errors = new List<ContentError>();
        Read(root, requiredUiKeys.ToList(), (requiredOperatorKeys ?? []).ToList(), errors);
        return errors;
    }

    private static BotContent Read(string root, List<string> requiredUiKeys, List<string> requiredOperatorKeys, List<ContentError> errors)
    {
        if (!Directory.Exists(root))
        {
            errors.Add(new ContentError(root, 0, "Content:Path", "content folder not found"));
            return new BotContent(EmptyPlan, new Dictionary<string, LanguagePack>());
        }
        var languages = Discover(root, errors).ToDictionary(code => code, code => ReadLanguage(root, code, requiredUiKeys, requiredOperatorKeys, errors));
        if (!languages.TryGetValue(BotContent.Original, out var original))
        {
            errors.Add(new ContentError($"{BotContent.Original}/", 0, "", "the Kazakh original is missing: every language is checked against it"));
            return new BotContent(EmptyPlan, languages);
        }
        var plan = ReadPlan(root, original, errors);
        CompareLanguages(languages, errors);
        foreach (var pack in languages.Values)
        {
            CheckScreenTexts(pack, plan, errors);
        }
        return new BotContent(plan, languages);
    }

    private static readonly ScreeningPlan EmptyPlan = new(new Budget(0, 0, 1), [], [], [], new Dictionary<string, Screen>(),
        new Dictionary<Form, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<ChoiceOption>>(), []);

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageCodePattern();

    /// <summary>Every folder of content/ is a language, named by its ISO 639-1 code (the code Telegram and browsers send).</summary>
    private static List<string> Discover(string root, List<ContentError> errors)
    {
        var codes = new List<string>();
        foreach (var folder in Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (folder is null || folder.StartsWith('.'))
            {
                continue;
            }
            if (LanguageCodePattern().IsMatch(folder))
            {
                codes.Add(folder);
            }
            else
            {
                errors.Add(new ContentError(folder + "/", 0, "", "a folder of content/ is a language: name it by its two-letter code (kk, uz, ...)"));
            }
        }
        return codes;
    }

    /// <summary>meta.yaml: the language's place in the picker and whether a native speaker has signed it off.</summary>
    private static (int Order, ReviewState Review) ReadMeta(YamlReader yaml)
    {
        var review = yaml.Map(yaml.Root, "review", "review");
        var reviewed = yaml.Text(review, "reviewed", "review.reviewed");
        if (review is not null && reviewed is not ("true" or "false"))
        {
            yaml.Error(yaml.Get(review, "reviewed", "review.reviewed"), "review.reviewed", "must be true or false");
        }
        var state = new ReviewState(reviewed == "true", yaml.Text(review, "by", "review.by", optional: true),
            yaml.Text(review, "on", "review.on", optional: true), yaml.Text(review, "note", "review.note", optional: true));
        if (state.Reviewed && (state.By.Length == 0 || state.On.Length == 0))
        {
            yaml.Error(review, "review", "reviewed: true needs by: (who signed it off) and on: (when)");
        }
        return (yaml.Number(yaml.Root, "order", "order"), state);
    }

    private static LanguagePack ReadLanguage(string root, string code, List<string> requiredUiKeys, List<string> requiredOperatorKeys, List<ContentError> errors)
    {
        var sections = new List<IndicatorSection>();
        var indicatorFolder = Path.Combine(root, code, "indicators");
        var files = Directory.Exists(indicatorFolder)
            ? Directory.GetFiles(indicatorFolder, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            errors.Add(new ContentError($"{code}/indicators/", 0, "", "no indicator files"));
        }
        foreach (var file in files)
        {
            sections.AddRange(ReadIndicators(new YamlReader(root, Path.GetRelativePath(root, file), errors)));
        }
        var first = files.Count > 0 ? Path.GetRelativePath(root, files[0]).Replace('\\', '/') : $"{code}/indicators/";
        foreach (var missing in SectionKeys.Except(sections.Select(s => s.Key)))
        {
            errors.Add(new ContentError(first, 0, missing, "section is missing"));
        }
        var indicators = new Dictionary<string, Indicator>();
        foreach (var item in sections.SelectMany(s => s.Items))
        {
            if (!indicators.TryAdd(item.Id, item))
            {
                errors.Add(new ContentError(first, 0, item.Id, "the same id is used twice"));
            }
        }
        var choices = new YamlReader(root, $"{code}/choices.yaml", errors);
        var meta = ReadMeta(new YamlReader(root, $"{code}/meta.yaml", errors));
        var contacts = new YamlReader(root, $"{code}/contacts.yaml", errors);
        return new LanguagePack(
            code,
            sections.OrderBy(s => SectionKeys.ToList().IndexOf(s.Key)).ToList(),
            indicators,
            ReadScreenTexts(choices),
            Labels(choices, "signs", SignLabelLimit),
            Labels(choices, "child-signs", SignLabelLimit, optional: true),
            Labels(choices, "words", MessageLimit),
            ReadRights(new YamlReader(root, $"{code}/rights.yaml", errors)),
            ReadContacts(contacts),
            ReadUi(new YamlReader(root, $"{code}/ui.yaml", errors), requiredUiKeys),
            // The console is optional per language: a language without operators.yaml is spoken to persons only.
            File.Exists(Path.Combine(root, code, "operators.yaml"))
                ? ReadUi(new YamlReader(root, $"{code}/operators.yaml", errors), requiredOperatorKeys)
                : new Dictionary<string, string>())
        {
            Order = meta.Order,
            Review = meta.Review,
            Consulates = ReadConsulates(contacts),
        };
    }

    private static List<IndicatorSection> ReadIndicators(YamlReader yaml)
    {
        var sections = new List<IndicatorSection>();
        foreach (var (key, node) in YamlReader.Entries(yaml.Map(yaml.Root, "sections", "sections")))
        {
            if (!SectionKeys.Contains(key))
            {
                yaml.Error(node, key, "unknown section; known: " + string.Join(", ", SectionKeys));
                continue;
            }
            var map = node as YamlMappingNode;
            var items = new List<Indicator>();
            // One seed item may be asked as several one-idea questions: they share its cite, next to each other.
            var lastN = 0;
            foreach (var itemNode in yaml.List(map, "items", key))
            {
                var item = itemNode as YamlMappingNode;
                var id = yaml.Text(item, "id", key);
                var at = id.Length > 0 ? id : key;
                if (id.Length > 0 && (!IdPattern().IsMatch(id) || id.Length > IdLimit))
                {
                    yaml.Error(itemNode, at, $"id must be lowercase a-z, 0-9 and '-', at most {IdLimit} characters");
                }
                var cite = yaml.Text(item, "cite", at);
                var match = IndicatorCitePattern().Match(cite);
                if (cite.Length > 0 && (!match.Success || match.Groups["section"].Value != key))
                {
                    yaml.Error(itemNode, at, $"cite must be appendix-1/{key}/<n>");
                }
                else if (match.Success)
                {
                    var n = int.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (n != lastN + 1 && n != lastN)
                    {
                        yaml.Error(itemNode, at, $"cite must number the items in order: expected appendix-1/{key}/{lastN + 1}"
                            + (lastN > 0 ? $" (or /{lastN} again for another question about the same item)" : ""));
                    }
                    lastN = n;
                }
                var indicator = new Indicator(id, cite, key,
                    yaml.Text(item, "rule", at), yaml.Text(item, "self", at), yaml.Text(item, "witness", at),
                    NullIfEmpty(yaml.Text(item, "child", at, optional: true)));
                foreach (var (name, question) in new[] { ("self", indicator.Self), ("witness", indicator.Witness), ("child", indicator.Child ?? "") })
                {
                    if (question.Length > QuestionLimit)
                    {
                        yaml.Error(itemNode, $"{at}.{name}", $"question longer than {QuestionLimit} characters");
                    }
                }
                items.Add(indicator);
            }
            sections.Add(new IndicatorSection(key, yaml.Text(map, "title", key), items));
        }
        return sections;
    }

    /// <summary>choices.yaml `screens:`: each choice or list screen's prompts, and a choice's option labels.</summary>
    private static Dictionary<string, ChoiceText> ReadScreenTexts(YamlReader yaml)
    {
        var screens = new Dictionary<string, ChoiceText>();
        foreach (var (key, node) in YamlReader.Entries(yaml.Map(yaml.Root, "screens", "screens")))
        {
            var map = node as YamlMappingNode;
            screens[key] = new ChoiceText(yaml.Text(map, "self", key), yaml.Text(map, "witness", key), yaml.Text(map, "child", key),
                Labels(yaml, map, "options", $"{key}.options", SignLabelLimit, optional: true),
                Labels(yaml, map, "child-options", $"{key}.child-options", SignLabelLimit, optional: true));
        }
        return screens;
    }

    private static Dictionary<string, string> Labels(YamlReader yaml, string name, int limit, bool optional = false) =>
        Labels(yaml, yaml.Root, name, name, limit, optional);

    private static Dictionary<string, string> Labels(YamlReader yaml, YamlMappingNode? parent, string name, string key, int limit, bool optional)
    {
        var labels = new Dictionary<string, string>();
        var map = yaml.Map(parent, name, key, optional);
        foreach (var (id, node) in YamlReader.Entries(map))
        {
            labels[id] = yaml.Text(map, id, $"{key}.{id}");
            if (labels[id].Length > limit)
            {
                yaml.Error(node, $"{key}.{id}", $"longer than {limit} characters");
            }
        }
        return labels;
    }

    private static RightsCard ReadRights(YamlReader yaml)
    {
        List<CardItem> Items(string list, int expected)
        {
            var items = new List<CardItem>();
            foreach (var node in yaml.List(yaml.Root, list, list))
            {
                var map = node as YamlMappingNode;
                var n = yaml.Number(map, "n", list);
                var at = $"{list}/{n}";
                var cite = yaml.Text(map, "cite", at);
                if (n != items.Count + 1 || cite != $"appendix-2/{list}/{n}")
                {
                    yaml.Error(node, at, $"expected n: {items.Count + 1} and cite: appendix-2/{list}/{items.Count + 1}");
                }
                items.Add(new CardItem(n, cite, yaml.Text(map, "short", at), yaml.Text(map, "text", at)));
            }
            if (items.Count != expected)
            {
                yaml.Error(yaml.Get(yaml.Root, list, list), list, $"Appendix 2 has {expected} {list}; found {items.Count}");
            }
            return items;
        }
        var card = new RightsCard(yaml.Text(yaml.Root, "title", "title"), yaml.Text(yaml.Root, "intro", "intro"),
            Items("rights", 17), Items("duties", 2), yaml.Text(yaml.Root, "closing", "closing"));
        foreach (var number in new[] { "102", "116 16" })
        {
            if (card.Closing.Length > 0 && !card.Closing.Contains(number, StringComparison.Ordinal))
            {
                yaml.Error(yaml.Get(yaml.Root, "closing", "closing"), "closing", $"the closing line must name {number}");
            }
        }
        return card;
    }

    private static List<Contact> ReadContacts(YamlReader yaml)
    {
        var contacts = new List<Contact>();
        foreach (var node in yaml.List(yaml.Root, "contacts", "contacts"))
        {
            var map = node as YamlMappingNode;
            var id = yaml.Text(map, "id", "contacts");
            contacts.Add(new Contact(id, yaml.Text(map, "number", id), yaml.Text(map, "name", id), yaml.Text(map, "what", id)));
        }
        foreach (var missing in ContactIds.Except(contacts.Select(c => c.Id)))
        {
            yaml.Error(yaml.Get(yaml.Root, "contacts", "contacts", optional: true), missing, "contact is missing");
        }
        return contacts;
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();

    /// <summary>contacts.yaml `consulates:` (optional): only what a deployment has checked and filled in.</summary>
    private static List<Consulate> ReadConsulates(YamlReader yaml)
    {
        var consulates = new List<Consulate>();
        foreach (var node in yaml.List(yaml.Root, "consulates", "consulates", optional: true))
        {
            var map = node as YamlMappingNode;
            var country = yaml.Text(map, "country", "consulates");
            if (country.Length > 0 && !CountryPattern().IsMatch(country))
            {
                yaml.Error(node, $"consulates.{country}", "country must be an ISO 3166-1 alpha-2 code, e.g. UZ");
            }
            var at = $"consulates.{country}";
            consulates.Add(new Consulate(country, yaml.Text(map, "number", at), yaml.Text(map, "name", at), yaml.Text(map, "what", at)));
        }
        return consulates;
    }

    private static Dictionary<string, string> ReadUi(YamlReader yaml, List<string> requiredKeys)
    {
        var texts = new Dictionary<string, string>();
        void Flatten(YamlMappingNode? map, string prefix)
        {
            foreach (var (name, node) in YamlReader.Entries(map))
            {
                var key = prefix + name;
                if (node is YamlMappingNode child)
                {
                    Flatten(child, key + ".");
                }
                else
                {
                    texts[key] = yaml.Text(map, name, key);
                    var limit = key.StartsWith("button.", StringComparison.Ordinal) ? ButtonLabelLimit : MessageLimit;
                    if (texts[key].Length > limit)
                    {
                        yaml.Error(node, key, $"longer than {limit} characters");
                    }
                }
            }
        }
        Flatten(yaml.Root, "");
        if (yaml.Root is not null)
        {
            foreach (var missing in requiredKeys.Except(texts.Keys))
            {
                yaml.Error(0, missing, "text is missing");
            }
        }
        return texts;
    }

    private static ScreeningPlan ReadPlan(string root, LanguagePack reference, List<ContentError> errors)
    {
        var yaml = new YamlReader(root, "screening.yaml", errors);
        IReadOnlyList<string> Ids(YamlMappingNode? map, string name, string key, bool optional = false)
        {
            var ids = yaml.Strings(map, name, key, optional);
            foreach (var id in ids.Where(id => !reference.Indicators.ContainsKey(id)))
            {
                yaml.Error(yaml.Get(map, name, key), key, $"'{id}' is not an indicator id");
            }
            return ids;
        }
        Audience For(YamlMappingNode? map, string key)
        {
            var text = yaml.Text(map, "for", key, optional: true);
            if (text.Length == 0)
            {
                return Audience.Everyone;
            }
            if (Enum.TryParse<Audience>(text, ignoreCase: true, out var audience))
            {
                return audience;
            }
            yaml.Error(yaml.Get(map, "for", key), key, "for: must be everyone, adult or minor");
            return Audience.Everyone;
        }

        var budgetMap = yaml.Map(yaml.Root, "budget", "budget");
        var budget = new Budget(yaml.Number(budgetMap, "screens", "budget.screens"), yaml.Number(budgetMap, "reading_seconds", "budget.reading_seconds"),
            Math.Max(1, yaml.Number(budgetMap, "words_per_minute", "budget.words_per_minute")));

        var screens = new Dictionary<string, Screen>();
        foreach (var (id, node) in YamlReader.Entries(yaml.Map(yaml.Root, "screens", "screens")))
        {
            var map = node as YamlMappingNode;
            var at = $"screens.{id}";
            if (reference.Indicators.ContainsKey(id))
            {
                yaml.Error(node, at, "a screen id must not be an indicator id (an indicator id alone is its own yes/no screen)");
            }
            screens[id] = yaml.Get(map, "choice", at, optional: true) is not null
                ? new Screen(id, ScreenKind.Choice, For(map, at), [])
                : new Screen(id, ScreenKind.List, For(map, at), Ids(map, "list", at));
        }

        var choices = new Dictionary<string, IReadOnlyList<ChoiceOption>>();
        var choicesMap = yaml.Map(yaml.Root, "choices", "choices");
        foreach (var (choice, node) in YamlReader.Entries(choicesMap))
        {
            if (!screens.TryGetValue(choice, out var screen) || screen.Kind != ScreenKind.Choice)
            {
                yaml.Error(node, $"choices.{choice}", "no choice screen of this id under screens:");
            }
            var options = new List<ChoiceOption>();
            foreach (var optionNode in yaml.List(choicesMap, choice, $"choices.{choice}"))
            {
                var map = optionNode as YamlMappingNode;
                var id = yaml.Text(map, "option", $"choices.{choice}");
                var at = $"choices.{choice}.{id}";
                if (id.Length > 0 && (!IdPattern().IsMatch(id) || id.Length > IdLimit))
                {
                    yaml.Error(optionNode, at, "option id must be lowercase a-z, 0-9 and '-'");
                }
                var forms = new List<Form>();
                foreach (var formKey in yaml.Strings(map, "forms", at, optional: true))
                {
                    if (Forms.ByKey.TryGetValue(formKey, out var form))
                    {
                        forms.Add(form);
                    }
                    else
                    {
                        yaml.Error(optionNode, at, $"'{formKey}' is not a form; known: " + string.Join(", ", Forms.ByKey.Keys));
                    }
                }
                options.Add(new ChoiceOption(id, For(map, at), Ids(map, "indicators", at, optional: true), forms,
                    yaml.Strings(map, "then", at, optional: true), yaml.Text(map, "abroad", at, optional: true) == "true"));
            }
            choices[choice] = options;
        }
        foreach (var screen in screens.Values.Where(s => s.Kind == ScreenKind.Choice && !choices.ContainsKey(s.Id)))
        {
            yaml.Error(0, $"screens.{screen.Id}", "a choice screen needs its options under choices:");
        }

        var followUps = new Dictionary<Form, IReadOnlyList<string>>();
        var formsMap = yaml.Map(yaml.Root, "forms", "forms");
        foreach (var (key, form) in Forms.ByKey)
        {
            followUps[form] = yaml.Strings(formsMap, key, $"forms.{key}");
        }

        var levels = new List<LevelRule>();
        foreach (var node in yaml.List(yaml.Root, "levels", "levels"))
        {
            var map = node as YamlMappingNode;
            var level = yaml.Text(map, "level", "levels");
            var at = $"levels.{level}";
            if (level is not ("none" or "some" or "strong" or "urgent"))
            {
                yaml.Error(node, at, "level must be none, some, strong or urgent");
            }
            var when = new Dictionary<string, int>();
            foreach (var (count, _) in YamlReader.Entries(yaml.Map(map, "when", at)))
            {
                if (!ScreeningPlan.Counts.Contains(count))
                {
                    yaml.Error(node, at, $"'{count}' is not a count; known: " + string.Join(", ", ScreeningPlan.Counts));
                }
                when[count] = yaml.Number(yaml.Map(map, "when", at), count, $"{at}.{count}");
            }
            levels.Add(new LevelRule(level, For(map, at), when, yaml.Text(map, "cite", at)));
        }

        var plan = new ScreeningPlan(budget, yaml.Strings(yaml.Root, "start", "start"), yaml.Strings(yaml.Root, "order", "order"),
            yaml.Strings(yaml.Root, "closing", "closing"), screens, followUps, choices, levels);
        var named = plan.Start.Concat(plan.Closing).Concat(followUps.Values.SelectMany(v => v))
            .Concat(choices.Values.SelectMany(o => o).SelectMany(o => o.Then));
        foreach (var id in named.Distinct().Where(id => !screens.ContainsKey(id) && !reference.Indicators.ContainsKey(id)))
        {
            yaml.Error(0, id, "neither a screen nor an indicator id");
        }
        foreach (var source in plan.Order.Where(id => !choices.ContainsKey(id)))
        {
            yaml.Error(yaml.Get(yaml.Root, "order", "order"), source, "order: names choice screens");
        }
        return plan;
    }

    /// <summary>Every language must hold the same ids, cites, keys and placeholders as Kazakh, the original.</summary>
    private static void CompareLanguages(Dictionary<string, LanguagePack> languages, List<ContentError> errors)
    {
        var original = languages[BotContent.Original];
        foreach (var pack in languages.Values.Where(p => p != original))
        {
            void Differ(string file, string key, string message) => errors.Add(new ContentError($"{pack.Code}/{file}", 0, key, message));
            foreach (var (id, item) in original.Indicators)
            {
                if (!pack.Indicators.TryGetValue(id, out var other))
                {
                    Differ("indicators/", id, "missing here but present in kk");
                }
                else if (other.Cite != item.Cite)
                {
                    Differ("indicators/", id, $"cite {other.Cite} differs from kk's {item.Cite}");
                }
                else if (item.Child is not null && other.Child is null)
                {
                    Differ("indicators/", id + ".child", "kk asks a child in simpler words; this language has no child: text");
                }
            }
            foreach (var id in pack.Indicators.Keys.Except(original.Indicators.Keys))
            {
                Differ("indicators/", id, "not in kk");
            }
            // file, the key's prefix, this language's texts, kk's: the same keys and the same {placeholders}.
            var compared = new List<(string File, string Prefix, IReadOnlyDictionary<string, string> Texts, IReadOnlyDictionary<string, string> Originals)>
            {
                ("ui.yaml", "", pack.Ui, original.Ui),
                ("choices.yaml", "signs.", pack.Signs, original.Signs),
                ("choices.yaml", "child-signs.", pack.ChildSigns, original.ChildSigns),
                ("choices.yaml", "words.", pack.Words, original.Words),
            };
            if (pack.HasConsole)
            {
                compared.Add(("operators.yaml", "", pack.Operators, original.Operators));
            }
            foreach (var (screen, texts) in original.Choices.Where(c => pack.Choices.ContainsKey(c.Key)))
            {
                compared.Add(("choices.yaml", $"screens.{screen}.options.", pack.Choices[screen].Options, texts.Options));
                compared.Add(("choices.yaml", $"screens.{screen}.child-options.", pack.Choices[screen].ChildOptions, texts.ChildOptions));
            }
            foreach (var (file, prefix, texts, originals) in compared)
            {
                foreach (var key in originals.Keys.Except(texts.Keys))
                {
                    Differ(file, prefix + key, "missing here but present in kk");
                }
                foreach (var key in texts.Keys.Except(originals.Keys))
                {
                    Differ(file, prefix + key, "not in kk");
                }
                foreach (var (key, text) in originals)
                {
                    if (texts.TryGetValue(key, out var other) && !Placeholders(text).SetEquals(Placeholders(other)))
                    {
                        Differ(file, prefix + key, "placeholders {…} differ from kk");
                    }
                }
            }
            foreach (var consulate in pack.Consulates.ExceptBy(original.Consulates.Select(c => (c.Country, c.Number)), c => (c.Country, c.Number)))
            {
                Differ("contacts.yaml", $"consulates.{consulate.Country}", "not in kk with the same country and number");
            }
            foreach (var consulate in original.Consulates.ExceptBy(pack.Consulates.Select(c => (c.Country, c.Number)), c => (c.Country, c.Number)))
            {
                Differ("contacts.yaml", $"consulates.{consulate.Country}", "missing here but present in kk");
            }
            foreach (var contact in original.Contacts)
            {
                var other = pack.Contacts.FirstOrDefault(c => c.Id == contact.Id);
                if (other is not null && other.Number != contact.Number)
                {
                    Differ("contacts.yaml", contact.Id, $"number {other.Number} differs from kk's {contact.Number}");
                }
            }
        }
    }

    /// <summary>The screening's own sentences (choices.yaml `words:`).</summary>
    public static readonly IReadOnlyList<string> RequiredWords =
    [
        "result.who", "result.where", "result.what", "result.child", "consent.intro", "consent.intro.child", "consent.take-out", "consent.put-back",
        "consent.gender.woman", "consent.gender.man", "consent.gender.no-preference",
        "consent.destination.hotline", "consent.destination.police",
        "consent.under18", "consent.abroad", "consent.danger", "consent.doctor",
    ];

    /// <summary>Every screen has its words in every language, every option its label, every listed sign its short label.</summary>
    private static void CheckScreenTexts(LanguagePack pack, ScreeningPlan plan, List<ContentError> errors)
    {
        void Missing(string key, string what) => errors.Add(new ContentError($"{pack.Code}/choices.yaml", 0, key, what));
        foreach (var screen in plan.Screens.Values)
        {
            if (!pack.Choices.TryGetValue(screen.Id, out var texts))
            {
                Missing($"screens.{screen.Id}", "no prompt for this screen");
                continue;
            }
            var options = plan.Choices.TryGetValue(screen.Id, out var list) ? list.Select(o => o.Id) : [];
            foreach (var option in options.Where(o => !texts.Options.ContainsKey(o)))
            {
                Missing($"screens.{screen.Id}.options.{option}", "no label for this option");
            }
        }
        var asked = plan.Screens.Values.SelectMany(s => s.Indicators)
            .Concat(plan.Start.Concat(plan.Closing).Concat(plan.FollowUps.Values.SelectMany(v => v))
                .Concat(plan.Choices.Values.SelectMany(o => o).SelectMany(o => o.Then)).Where(pack.Indicators.ContainsKey));
        foreach (var id in asked.Distinct().Where(id => !pack.Signs.ContainsKey(id)))
        {
            Missing($"signs.{id}", "no short label for this sign");
        }
        foreach (var key in RequiredWords.Where(k => !pack.Words.ContainsKey(k)))
        {
            Missing($"words.{key}", "text is missing");
        }
    }

    private static HashSet<string> Placeholders(string text) => PlaceholderPattern().Matches(text).Select(m => m.Value).ToHashSet();

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
