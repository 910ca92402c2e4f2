using System.Text.RegularExpressions;
using Bot.Content;

namespace Bot.Tests.Content;

/// <summary>
/// The wording rules of content/README.md that a machine can check: every askable item has a child
/// phrasing, a child's sign names someone outside the family or the money or the force, one form of
/// address per audience, no negative questions, a witness is asked about "the person".
/// </summary>
public class WordingTests
{
    private static readonly BotContent Content = TestContent.Content;

    private sealed record Rules(
        string[] Negative, string[] AdultAddress, string[] ChildAddress, string Person, string[] Bureaucratic, string[] OutsiderGainOrForce);

    private static readonly Dictionary<string, Rules> ByLanguage = new()
    {
        ["kk"] = new(
            // "кете алмайсыз ба?", "жібермей ме?", "бермеді ме?", "жоқ па?", "емес пе?": Иә/Жоқ is ambiguous.
            Negative: [@"(ма|ме|ба|бе|па|пе)й(сыз|сіз|сың|сің)?\s+(ма|ме|ба|бе|па|пе)\?$", @"(ма|ме|ба|бе|па|пе)(ды|ді)(ңыз|ңіз|ң)?\s+(ма|ме)\?$", @"\bжоқ па\?$", @"\bемес пе\?$"],
            AdultAddress: [@"\bсіз\w*", @"\w+(ңыз|ңіз)\w*", @"\w+(йсыз|йсіз|рсыз|рсіз|дасыз|десіз|тасыз|тесіз)\b"],
            ChildAddress: [@"\b(сен|саған|сені|сенің|сенен|сенде|сенімен)\b", @"(сың|сің)\s+(ба|бе)\?"],
            Person: "адам",
            Bureaucratic: ["оның ішінде"],
            OutsiderGainOrForce: ["ата-анаң не қамқоршың емес", "бөтен", "ақша", "пайда", "мәжбүр", "күшпен", "жұмыс істет"]),
        ["ru"] = new(
            Negative: [@"^[^,]*\bне (может|можете|можешь|дают|даёт|пускают|разрешают|знаете|знает|знаешь)\b", @"\bнет ли\b", @"^(Вы|Вам|Вас|Ты|Тебе|Тебя|Этот человек|Этому человеку|Этого человека) не\b"],
            AdultAddress: [@"\b(вы|вас|вам|вами|ваш\w*)\b"],
            ChildAddress: [@"\b(ты|тебя|тебе|тобой|тво[йяеёи]\w*)\b"],
            Person: "человек",
            Bureaucratic: ["в том числе"],
            OutsiderGainOrForce: ["не родитель и не опекун", "не родители и не опекуны", "чуж", "деньг", "денег", "выгод", "застав", "силой", "насили"]),
        ["en"] = new(
            Negative: [@"\b(unable|cannot|can't|don't|doesn't|didn't|isn't|aren't|won't)\b", @"^(Do|Does|Is|Are|Can|Did|Have|Has) (you|the person|someone) not\b"],
            AdultAddress: [],
            ChildAddress: [],
            Person: @"\bperson\b",
            Bureaucratic: [@"\bincluding\b"],
            OutsiderGainOrForce: ["not your parent or guardian", "not your parents or guardians", "stranger", "money", "made to", "make you", "makes you", "force"]),
        // Uzbek (Latin): siz / sen. "-siz" alone is also "without" (joysiz, ota-onasiz), so only its verb forms count.
        ["uz"] = new(
            Negative: [@"\w*ma(y|s|di|gan)\w*mi\?$", @"\bemasmi\?$", @"\byoʻqmi\?$"],
            AdultAddress: [@"\bsiz(ga|ni|ning|dan|da|lar)?\b", @"\w+ngiz\w*", @"\w+(yapsiz|yapsizmi|aysizmi|olasizmi)\b"],
            ChildAddress: [@"\b(sen|senga|seni|sening|sendan|senda)\b", @"\w+sanmi\?"],
            Person: @"\b(odam|kishi)",
            Bureaucratic: ["shu jumladan"],
            OutsiderGainOrForce: ["ota-onang yoki vasiying", "begona", "pul", "foyda", "majbur", "kuch", "ishlat"]),
        // Kyrgyz: сиз / сен; "-сыз" alone is also "without" (жайсыз, ата-энесиз): only a question's verb counts.
        ["ky"] = new(
            Negative: [@"(ба|бе|бо|бө|па|пе|по|пө)й(сыз|сиз|суз|сүз|сың|сиң|суң|сүң)?(бы|би|бу|бү|пы|пи|пу|пү)\?$", @"\bэмеспи\?$", @"\bжокпу\?$"],
            AdultAddress: [@"\bсиз\w*", @"\w+(ңыз|ңиз|ңуз|ңүз)\w*", @"\w+й(сыз|сиз|суз|сүз)(бы|би|бу|бү)\?"],
            ChildAddress: [@"\b(сен|сага|сени|сенин|сенден|сенде)\b", @"(сың|сиң|суң|сүң)(бы|би|бу|бү)?\?"],
            Person: "(адам|киши)",
            Bureaucratic: ["анын ичинде"],
            OutsiderGainOrForce: ["ата-энең же камкорчуң эмес", "бөтөн", "бейтааныш", "акча", "пайда", "мажбур", "күч", "иштет"]),
        // Tajik: шумо / ту. A negative verb inside a "ки" clause ("pretend not to know") is not a negative question: only the main one.
        ["tg"] = new(
            Negative: [@"^[^,«]*\bна(ме)?\w{3,}(ед|ад|анд|ӣ|ам|ем)\?$", @"^[^,]*\bнест\?$"],
            AdultAddress: [@"\bшумо\w*", @"\w+(атон|ятон|этон|итон|утон|отон)\b", @"\w+ед\b"],
            ChildAddress: [@"\b(ту|туро)\b"],
            Person: "(шахс|одам|кас)",
            Bureaucratic: ["аз ҷумла"],
            OutsiderGainOrForce: ["падару модар ё васии ту", "бегона", "пул", "фоида", "маҷбур", "зӯр", "кор мефармо", "кор фармо"]),
    };

    // Signs about the child themself, not about what an adult does to them: no adult to name.
    private static readonly HashSet<string> AboutTheChildThemself =
        ["minorsigns-self-harm", "border-cannot-give-own-details", "border-hardship-back-home", "sexual-abortions-or-stis", "sexual-stis"];

    // Never asked of someone under 18.
    private static readonly HashSet<string> AdultsOnly = ["adults-elderly"];

    private static IEnumerable<(string Where, string Text)> Questions(LanguagePack pack, Func<Indicator, string?> text) =>
        pack.Indicators.Values.Select(i => ($"{pack.Code} {i.Id}", text(i))).Where(q => q.Item2 is not null).Select(q => (q.Item1, q.Item2!));

    private static IEnumerable<(string Where, string Text)> AllQuestions(LanguagePack pack) =>
        Questions(pack, i => i.Self).Concat(Questions(pack, i => i.Witness)).Concat(Questions(pack, i => i.Child));

    private static IEnumerable<(string Where, string Text)> ChildTexts(LanguagePack pack) =>
        Questions(pack, i => i.Child).Concat(pack.Ui.Where(t => t.Key.EndsWith(".child", StringComparison.Ordinal)).Select(t => ($"{pack.Code} ui {t.Key}", t.Value)));

    private static IEnumerable<(string Where, string Text)> AdultTexts(LanguagePack pack) =>
        Questions(pack, i => i.Self).Concat(Questions(pack, i => i.Witness))
            .Concat(pack.Ui.Where(t => !t.Key.EndsWith(".child", StringComparison.Ordinal)).Select(t => ($"{pack.Code} ui {t.Key}", t.Value)));

    private static string[] Matching(IEnumerable<(string Where, string Text)> texts, IEnumerable<string> patterns, RegexOptions options = RegexOptions.IgnoreCase) =>
        texts.Where(t => patterns.Any(p => Regex.IsMatch(t.Text, p, options))).Select(t => $"{t.Where}: {t.Text}").ToArray();

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public void Every_item_a_child_can_be_asked_has_a_child_phrasing(string code)
    {
        var missing = Content[code].Indicators.Values.Where(i => i.Child is null && !AdultsOnly.Contains(i.Id)).Select(i => i.Id);
        Assert.Empty(missing);
    }

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public void A_childs_sign_names_an_adult_outside_the_family_the_money_or_the_force(string code)
    {
        // So that an ordinary parent who keeps a teenager's passport or checks their phone never matches.
        var rules = ByLanguage[code];
        var plain = Content[code].Indicators.Values
            .Where(i => i.Section.StartsWith("what/", StringComparison.Ordinal) && i.Child is not null && !AboutTheChildThemself.Contains(i.Id))
            .Where(i => !rules.OutsiderGainOrForce.Any(m => i.Child!.Contains(m, StringComparison.OrdinalIgnoreCase)))
            .Select(i => $"{i.Id}: {i.Child}");
        Assert.Empty(plain);
    }

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public void A_child_is_addressed_as_sen_and_an_adult_as_siz(string code)
    {
        var pack = Content[code];
        Assert.Empty(Matching(ChildTexts(pack), ByLanguage[code].AdultAddress));
        Assert.Empty(Matching(AdultTexts(pack), ByLanguage[code].ChildAddress));
    }

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public void No_question_is_negative_or_bureaucratic(string code)
    {
        var pack = Content[code];
        var options = code == "kk" ? RegexOptions.None : RegexOptions.IgnoreCase;
        Assert.Empty(Matching(AllQuestions(pack), ByLanguage[code].Negative, options));
        Assert.Empty(Matching(AllQuestions(pack), ByLanguage[code].Bureaucratic));
    }

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public void A_witness_is_asked_about_the_person(string code) =>
        Assert.Empty(Content[code].Indicators.Values.Where(i => !Regex.IsMatch(i.Witness, ByLanguage[code].Person, RegexOptions.IgnoreCase)).Select(i => $"{i.Id}: {i.Witness}"));

    [Theory, InlineData("kk"), InlineData("ru"), InlineData("uz"), InlineData("ky"), InlineData("tg")]
    public async Task A_child_is_addressed_as_sen_on_every_screen_after_giving_their_age(string code)
    {
        var chat = new Bot.Tests.Dialogs.Chat(code);
        await chat.Intake("self", "under18");
        var afterAge = chat.Turns.Count - 2;   // the turn that answered the age shows the next question
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Labour), _ => "yes");
        await chat.Press("talk");
        await chat.Press("woman");
        await chat.Press("police");
        await chat.Press("agree");

        var card = Enumerable.Range(0, Bot.Dialogs.Rights.RightsCardPages.Count).Select(page => Bot.Dialogs.Rights.RightsCardPages.Page(chat.Pack, page));
        var shown = chat.Turns.Skip(afterAge).SelectMany(t => t.Messages).Select(m => m.Text)
            .Where(text => !card.Contains(text))   // the information card is the seed's own wording
            .Select(text => ("screen", text));
        Assert.NotEmpty(shown);
        Assert.Empty(Matching(shown, ByLanguage[code].AdultAddress));
    }

    [Fact]
    public void The_rules_catch_what_they_are_for()
    {
        // A rule that matches nothing would pass for ever: each one must catch the wording it was written against.
        var kk = ByLanguage["kk"];
        Assert.Matches(kk.Negative[0], "Сіз жұмыс істейтін не тұратын жеріңізден кете алмайсыз ба?");
        Assert.Matches(kk.Negative[0], "Біреу сені басқа адамдармен сөйлестірмей ме?");
        Assert.Matches(kk.Negative[2], "Сізде қазір тұрақты тұратын жер жоқ па?");
        Assert.DoesNotMatch(kk.Negative[0], "Біреу сізге тыйым сала ма?");
        Assert.Matches(kk.AdultAddress[1], "Бірнеше қысқа сұрақ қоямын. Сіздің ешқандай кінәңіз жоқ.");
        Assert.Matches(kk.AdultAddress[2], "Сіз мектепке баруды қойдыңыз ба, әлде жасыңызға сай емес жұмыс істейсіз бе?");
        Assert.DoesNotMatch(kk.AdultAddress[2], "Сен ақысыз жұмыс істеуге мәжбүрсің бе, бұл саған түсініксіз бе?");
        Assert.Matches(kk.ChildAddress[0], "Саған тамақ аз берілгендіктен сені жиі аш қалдыра ма?".ToLowerInvariant());
        Assert.Contains(ByLanguage["ru"].Negative, p => Regex.IsMatch("Вы не можете уйти оттуда, где работаете?", p));
        Assert.Contains(ByLanguage["en"].Negative, p => Regex.IsMatch("Are you unable to leave the place where you work?", p));
        Assert.Matches(ByLanguage["ru"].AdultAddress[0], "Некоторые ваши ответы показывают, что вам может быть нужна помощь.");
        Assert.DoesNotContain(kk.OutsiderGainOrForce, m => "Біреу телефоныңды алып қоя ма немесе хабарламаларыңды оқи ма?".Contains(m, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rules_of_uz_ky_and_tg_catch_what_they_are_for()
    {
        var (uz, ky, tg) = (ByLanguage["uz"], ByLanguage["ky"], ByLanguage["tg"]);
        Assert.Matches(uz.Negative[0], "Ishlayotgan joyingizdan keta olmaysizmi?");
        Assert.Matches(uz.Negative[0], "Sizga ish haqi bermadimi?");
        Assert.DoesNotMatch(uz.Negative[0], "Kimdir sizga buyurdimi?");
        Assert.Matches(uz.AdultAddress[1], "Pasportingiz kimda?");
        Assert.Matches(uz.AdultAddress[2], "Siz qoʻrqyapsizmi?");
        Assert.DoesNotMatch(uz.AdultAddress[2], "Sen ota-onasiz yoki vasiysiz yuribsanmi?");
        Assert.Matches(uz.ChildAddress[1], "Sen hozir qoʻrqyapsanmi?");
        Assert.Matches(ky.Negative[0], "Иштеген жериңизден кете албайсызбы?");
        Assert.DoesNotMatch(ky.Negative[0], "Бирөө сизди сабадыбы?");
        Assert.Matches(ky.AdultAddress[1], "Паспортуңуз кимде?");
        Assert.Matches(ky.AdultAddress[2], "Сиз ушул жерде иштейсизби?");
        Assert.DoesNotMatch(ky.AdultAddress[2], "Сен ата-энесиз же камкорчусуз жүрөсүңбү?");
        Assert.Matches(ky.ChildAddress[1], "Сен ушул жерде иштейсиңби?");
        Assert.Matches(tg.Negative[0], "Оё шумо аз ҷои коратон рафта наметавонед?");
        Assert.Matches(tg.Negative[0], "Оё ба шумо музд надоданд?");
        Assert.DoesNotMatch(tg.Negative[0], "Оё ин шахс кӯшиш мекунад, ки гӯё ҳамроҳонашро намешиносад?");
        Assert.Matches(tg.AdultAddress[1], "Шиносномаатон дар куҷост?");
        Assert.Matches(tg.AdultAddress[2], "Оё шумо дар ин ҷо кор мекунед?");
        Assert.Matches(tg.ChildAddress[0], "Оё касе туро маҷбур мекунад?");
        Assert.Contains(tg.OutsiderGainOrForce, m => "Оё туро бе пардохти музд кор мефармоянд?".Contains(m, StringComparison.Ordinal));
    }
}
