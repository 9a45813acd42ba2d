using GrafanaProfiles.Store.Query.Selectors;

namespace GrafanaProfiles.Store.Read.Tests.Query;

public sealed class LabelSelectorTests
{
    private const string CpuType = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";

    [Fact]
    public void Parse_EveryOperator_ReadsNameOperatorAndValue()
    {
        var selector = LabelSelector.Parse("""{service_name="api", env!="dev", region=~"eu-.*", pod!~"canary.*"}""");

        Assert.Null(selector.ProfileTypeId);
        Assert.Equal(
            [
                new LabelMatcher("service_name", MatchOperator.Equal, "api"),
                new LabelMatcher("env", MatchOperator.NotEqual, "dev"),
                new LabelMatcher("region", MatchOperator.Regex, "eu-.*"),
                new LabelMatcher("pod", MatchOperator.NotRegex, "canary.*"),
            ],
            selector.Matchers);
    }

    [Theory]
    [InlineData("""{"k8s.pod.name"="api-0"}""", "k8s.pod.name")]
    [InlineData("""{"service/name"="api-0"}""", "service/name")]
    [InlineData("""{ "名前" = "api-0" }""", "名前")]
    [InlineData("""{"quo\"te"="api-0"}""", "quo\"te")]
    [InlineData(""" "k8s.pod"="api-0" """, "k8s.pod")]
    public void Parse_QuotedLabelName_ReadsTheNameWithoutQuotes(string text, string name)
    {
        var selector = LabelSelector.Parse(text);

        Assert.Equal([new LabelMatcher(name, MatchOperator.Equal, "api-0")], selector.Matchers);
    }

    [Fact]
    public void Parse_QuotedLabelNameAfterAProfileType_KeepsBoth()
    {
        var selector = LabelSelector.Parse($$"""{{CpuType}}{service_name="api", "k8s.ns"=~"prod-.*"}""");

        Assert.Equal(CpuType, selector.ProfileTypeId);
        Assert.Equal([new LabelMatcher("service_name", MatchOperator.Equal, "api"), new LabelMatcher("k8s.ns", MatchOperator.Regex, "prod-.*")], selector.Matchers);
    }

    [Fact]
    public void Parse_EmptyQuotedLabelName_NamesTheProblemAtItsColumn()
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("""{""="x"}"""));

        Assert.Equal(SelectorError.UnexpectedCharacter, error.Reason);
        Assert.Equal(2, error.Column);
        Assert.Contains("not an empty name", error.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{a="x y"}""", "x y")]
    [InlineData("""{a='x y'}""", "x y")]
    [InlineData("{a=`x y`}", "x y")]
    [InlineData("""{a=""}""", "")]
    [InlineData("""{a="\"q\""}""", "\"q\"")]
    [InlineData("""{a='it\'s'}""", "it's")]
    [InlineData("""{a='say "hi"'}""", "say \"hi\"")]
    [InlineData("""{a="it's"}""", "it's")]
    [InlineData("""{a="back\\slash"}""", "back\\slash")]
    [InlineData("""{a="\a\b\f\n\r\t\v"}""", "\a\b\f\n\r\t\v")]
    [InlineData("""{a="caf\u00e9"}""", "café")]
    [InlineData("""{a="\U0001F600"}""", "😀")]
    [InlineData("""{a="caf\xc3\xa9"}""", "café")]
    [InlineData("""{a="caf\303\251"}""", "café")]
    [InlineData("""{a="\x41\102C"}""", "ABC")]
    [InlineData("""{a="ünïcødé ✓"}""", "ünïcødé ✓")]
    [InlineData("{a=`C:\\path\\n \"raw\" 'x'`}", "C:\\path\\n \"raw\" 'x'")]
    [InlineData("{a=`two\nlines`}", "two\nlines")]
    [InlineData("""{a="},{=~,!"}""", "},{=~,!")]
    public void Parse_QuoteStylesAndEscapes_DecodeLikeGoStrings(string text, string expected)
    {
        var matcher = Assert.Single(LabelSelector.Parse(text).Matchers);

        Assert.Equal(new LabelMatcher("a", MatchOperator.Equal, expected), matcher);
    }

    [Theory]
    [InlineData("""{service_name="api",env!~'dev'}""")]
    [InlineData(" \t{ service_name = \"api\" ,\r\n  env !~ 'dev' , }\n ")]
    [InlineData("""{service_name="api", env!~"dev",}""")]
    [InlineData("""service_name="api", env!~"dev" """)]
    [InlineData("""service_name="api", env!~"dev", """)]
    public void Parse_WhitespaceTrailingCommaAndNoBraces_GiveTheSameMatchers(string text)
    {
        var selector = LabelSelector.Parse(text);

        Assert.Equal(
            [new LabelMatcher("service_name", MatchOperator.Equal, "api"), new LabelMatcher("env", MatchOperator.NotRegex, "dev")],
            selector.Matchers);
    }

    [Fact]
    public void Parse_DottedAndUnderscoreNames_AreLabelNames()
    {
        var selector = LabelSelector.Parse("""{otel.scope.name="lib", _private="p", a1.b_2.="z", __profile_type__="t"}""");

        Assert.Equal(["otel.scope.name", "_private", "a1.b_2.", "__profile_type__"], selector.Matchers.Select(m => m.Name));
    }

    [Fact]
    public void Parse_SameLabelTwice_KeepsBothMatchers()
    {
        var selector = LabelSelector.Parse("""{env=~"prod.*", env!="prod-old"}""");

        Assert.Equal(2, selector.Matchers.Count);
    }

    [Theory]
    [InlineData(CpuType + """{service_name="x"}""", 1)]
    [InlineData(" " + CpuType + """ { service_name="x" } """, 1)]
    [InlineData(CpuType + "{}", 0)]
    [InlineData(CpuType, 0)]
    [InlineData("memory:alloc_space:bytes:space:bytes {}", 0)]
    public void Parse_ProfileTypePrefix_IsExposedAsProfileTypeId(string text, int matchers)
    {
        var selector = LabelSelector.Parse(text);

        Assert.Equal(text.Contains("memory", StringComparison.Ordinal) ? "memory:alloc_space:bytes:space:bytes" : CpuType, selector.ProfileTypeId);
        Assert.Equal(matchers, selector.Matchers.Count);
        Assert.False(selector.IsEmpty);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\t")]
    [InlineData("{}")]
    [InlineData(" {  } ")]
    public void Parse_EmptySelector_MatchesEverything(string text)
    {
        var selector = LabelSelector.Parse(text);

        Assert.True(selector.IsEmpty);
        Assert.Empty(selector.Matchers);
        Assert.Null(selector.ProfileTypeId);
    }

    [Theory]
    [InlineData("(?P<name>x+)")]
    [InlineData(@"\Qa.b\E")]
    [InlineData(@"\pL+")]
    [InlineData("[[:alpha:]]+")]
    [InlineData("(?i)prod|staging")]
    [InlineData("")]
    public void Parse_Re2PatternsThatDotNetRejectsOrReadsDifferently_AreAccepted(string pattern)
    {
        var selector = LabelSelector.Parse("{a=~`" + pattern + "`}");

        Assert.Equal(pattern, selector.Matchers[0].Value);
    }

    [Theory]
    [InlineData("""{service_name="api", env!="dev", region=~"eu-.*", pod!~"canary.*"}""")]
    [InlineData(CpuType + """{a="quote \" backslash \\ newline \n tab \t bell \a é"}""")]
    [InlineData("{}")]
    public void ToString_Parsed_ParsesBackToTheSameSelector(string text)
    {
        var selector = LabelSelector.Parse(text);

        var again = LabelSelector.Parse(selector.ToString());

        Assert.Equal(selector.Matchers, again.Matchers);
        Assert.Equal(selector.ProfileTypeId, again.ProfileTypeId);
        Assert.Equal(selector.ToString(), again.ToString());
    }

    [Theory]
    // Unexpected characters: values, operators, names, commas, braces.
    [InlineData("""{service_name=="api"}""", SelectorError.UnexpectedCharacter, 15, "unexpected '=' at column 15: expected a quoted value")]
    [InlineData("{env=prod}", SelectorError.UnexpectedCharacter, 6, "unexpected 'p' at column 6: expected a quoted value")]
    [InlineData("{env=\u0001}", SelectorError.UnexpectedCharacter, 6, "unexpected U+0001 at column 6: expected a quoted value")]
    [InlineData("""{service_name="api", env!}""", SelectorError.UnexpectedCharacter, 26, "unexpected '}' at column 26: expected '=' or '~' after '!'")]
    [InlineData("""{env! ="x"}""", SelectorError.UnexpectedCharacter, 6, "unexpected U+0020 at column 6: expected '=' or '~' after '!'")]
    [InlineData("""{env "x"}""", SelectorError.UnexpectedCharacter, 6, "unexpected '\"' at column 6: expected an operator (=, !=, =~ or !~)")]
    [InlineData("""{env-x="a"}""", SelectorError.UnexpectedCharacter, 5, "unexpected '-' at column 5: expected an operator (=, !=, =~ or !~)")]
    [InlineData("""env:x="a" """, SelectorError.UnexpectedCharacter, 4, "unexpected ':' at column 4: expected an operator (=, !=, =~ or !~)")]
    [InlineData("""{1env="x"}""", SelectorError.UnexpectedCharacter, 2, "unexpected '1' at column 2: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("""{.env="x"}""", SelectorError.UnexpectedCharacter, 2, "unexpected '.' at column 2: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("""{éa="x"}""", SelectorError.UnexpectedCharacter, 2, "unexpected 'é' at column 2: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("""{="x"}""", SelectorError.UnexpectedCharacter, 2, "unexpected '=' at column 2: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("""{a="1",,b="2"}""", SelectorError.UnexpectedCharacter, 8, "unexpected ',' at column 8: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("{,}", SelectorError.UnexpectedCharacter, 2, "unexpected ',' at column 2: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes) or '}'")]
    [InlineData("""a="1",,b="2" """, SelectorError.UnexpectedCharacter, 7, "unexpected ',' at column 7: expected a label name (a letter or '_', then letters, digits, '_' or '.'; any other name in double quotes)")]
    [InlineData("""{env="x" region="y"}""", SelectorError.UnexpectedCharacter, 10, "unexpected 'r' at column 10: expected ',' or '}'")]
    [InlineData("""env="x"}""", SelectorError.UnexpectedCharacter, 8, "unexpected '}' at column 8: the selector has no opening '{'")]
    [InlineData("""env="x" region="y" """, SelectorError.UnexpectedCharacter, 9, "unexpected 'r' at column 9: expected ',' or the end of the selector")]
    [InlineData("""{env="x"}}""", SelectorError.UnexpectedCharacter, 10, "unexpected '}' at column 10: expected the end of the selector after '}'")]
    [InlineData("""{env="x"} or 1""", SelectorError.UnexpectedCharacter, 11, "unexpected 'o' at column 11: expected the end of the selector after '}'")]
    [InlineData("""["x"]""", SelectorError.UnexpectedCharacter, 1, "unexpected '[' at column 1: expected '{', a label name or a profile type")]
    // The text ends too early: missing closing brace, operator or value.
    [InlineData("""{env="x" """, SelectorError.UnexpectedEnd, 10, "unexpected end of selector at column 10: expected ',' or a closing '}'")]
    [InlineData("""{env="x",""", SelectorError.UnexpectedEnd, 10, "unexpected end of selector at column 10: expected a label name or a closing '}'")]
    [InlineData("{", SelectorError.UnexpectedEnd, 2, "unexpected end of selector at column 2: expected a label name or '}'")]
    [InlineData("{env", SelectorError.UnexpectedEnd, 5, "unexpected end of selector at column 5: expected an operator (=, !=, =~ or !~)")]
    [InlineData("env", SelectorError.UnexpectedEnd, 4, "unexpected end of selector at column 4: expected an operator (=, !=, =~ or !~)")]
    [InlineData("{env=~", SelectorError.UnexpectedEnd, 7, "unexpected end of selector at column 7: expected a quoted value")]
    [InlineData("{env!", SelectorError.UnexpectedEnd, 6, "unexpected end of selector at column 6: expected '=' or '~' after '!'")]
    // Strings.
    [InlineData("""{env="x}""", SelectorError.UnterminatedString, 6, "unterminated string starting at column 6: expected a closing \" before the end of the line")]
    [InlineData("{env='x\\'}", SelectorError.UnterminatedString, 6, "unterminated string starting at column 6: expected a closing ' before the end of the line")]
    [InlineData("{env=`x}", SelectorError.UnterminatedString, 6, "unterminated string starting at column 6: expected a closing ` before the end of the selector")]
    [InlineData("{env=\"x\n\"}", SelectorError.UnterminatedString, 6, "unterminated string starting at line 1, column 6: expected a closing \" before the end of the line")]
    [InlineData("""{env="a\qb"}""", SelectorError.InvalidEscape, 8, """unknown escape '\q' at column 8: expected \a \b \f \n \r \t \v \\ \", \ooo (octal), \xHH, \uHHHH or \UHHHHHHHH""")]
    [InlineData("""{env='a\"'}""", SelectorError.InvalidEscape, 8, """unknown escape '\"' at column 8: expected \a \b \f \n \r \t \v \\ \', \ooo (octal), \xHH, \uHHHH or \UHHHHHHHH""")]
    [InlineData("""{env="\x4g"}""", SelectorError.InvalidEscape, 7, """invalid escape '\x4g' at column 7: \x takes 2 hex digits""")]
    [InlineData("""{env="\u12"}""", SelectorError.InvalidEscape, 7, """invalid escape '\u12"' at column 7: \u takes 4 hex digits""")]
    [InlineData("""{env="\18"}""", SelectorError.InvalidEscape, 7, """invalid escape '\18' at column 7: octal escapes take 3 digits (0-7)""")]
    [InlineData("""{env="\400"}""", SelectorError.InvalidEscape, 7, """invalid escape '\400' at column 7: octal escapes go up to \377""")]
    [InlineData("""{env="\uD800"}""", SelectorError.InvalidEscape, 7, """invalid escape '\uD800' at column 7: U+D800 is not a Unicode scalar value""")]
    [InlineData("""{env="\U00110000"}""", SelectorError.InvalidEscape, 7, """invalid escape '\U00110000' at column 7: U+110000 is not a Unicode scalar value""")]
    [InlineData("""{env="ok \xff"}""", SelectorError.InvalidEscape, 10, """invalid escape at column 10: the bytes written as \x or octal escapes here are not valid UTF-8""")]
    [InlineData("""{env="\xc3x"}""", SelectorError.InvalidEscape, 7, """invalid escape at column 7: the bytes written as \x or octal escapes here are not valid UTF-8""")]
    // Regexes, judged by RE2 in DuckDB.
    [InlineData("""{env=~"a(b"}""", SelectorError.InvalidRegex, 7, "invalid regular expression at column 7: missing ): a(b")]
    [InlineData("""{a="1", env!~'(?=x)x'}""", SelectorError.InvalidRegex, 14, "invalid regular expression at column 14: invalid perl operator: (?=")]
    [InlineData("""{env=~"(x)\\1"}""", SelectorError.InvalidRegex, 7, @"invalid regular expression at column 7: invalid escape sequence: \1")]
    [InlineData("""{env=~"x**"}""", SelectorError.InvalidRegex, 7, "invalid regular expression at column 7: bad repetition operator: **")]
    // Profile type prefix.
    [InlineData("""process_cpu{env="x"}""", SelectorError.InvalidProfileType, 1, "invalid profile type 'process_cpu' at column 1: expected name:sample_type:sample_unit:period_type:period_unit, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds")]
    [InlineData("""  a:b:c:d:e:f{}""", SelectorError.InvalidProfileType, 3, "invalid profile type 'a:b:c:d:e:f' at column 3: expected name:sample_type:sample_unit:period_type:period_unit, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds")]
    [InlineData(CpuType + """ env="x" """, SelectorError.UnexpectedCharacter, 45, "unexpected 'e' at column 45: expected '{' after the profile type")]
    public void Parse_InvalidText_ThrowsAtTheOffendingColumn(string text, SelectorError reason, int column, string summary)
    {
        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));

        Assert.Equal(summary, ex.Summary);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(column, ex.Column);
        Assert.StartsWith(summary + "\n", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryPrefixOfASelector_ParsesOrFailsWithAPositionInsideTheText()
    {
        const string Text = CpuType + """ {a="\\x\u00e9\303\251\"", b!~'(?i)\'x', c=~`r\d+`, d!="\U0001F600",}""";
        Assert.Equal(4, LabelSelector.Parse(Text).Matchers.Count);

        for (var length = 0; length < Text.Length; length++)
        {
            try
            {
                LabelSelector.Parse(Text[..length]);
            }
            catch (SelectorParseException ex)
            {
                Assert.InRange(ex.Offset, 0, length);
                Assert.Equal(ex.Offset + 1, ex.Column);
            }
        }
    }

    [Fact]
    public void Parse_Error_MessageShowsTheLineWithACaretUnderTheColumn()
    {
        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("""{service_name=="api"}"""));

        Assert.Equal(
            """
            unexpected '=' at column 15: expected a quoted value
            {service_name=="api"}
                          ^
            """.ReplaceLineEndings("\n"),
            ex.Message);
    }

    [Fact]
    public void Parse_ErrorOnALaterLine_NamesLineAndColumnAndShowsThatLine()
    {
        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("{\n\tenv=\"x\",\n\tregion=prod\n}"));

        Assert.Equal((3, 9), (ex.Line, ex.Column));
        Assert.Equal("unexpected 'p' at line 3, column 9: expected a quoted value\n\tregion=prod\n\t       ^", ex.Message);
    }

    [Fact]
    public void Parse_ErrorOnALongLine_ShowsAWindowAroundTheColumn()
    {
        var text = "{a=~\"" + new string('x', 200) + "\", b=c}";

        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));

        Assert.Equal(211, ex.Column);
        var lines = ex.Message.Split('\n');
        Assert.Equal("…" + new string('x', 55) + "\", b=c}", lines[1]);
        Assert.Equal(new string(' ', 61) + "^", lines[2]);
        Assert.Equal('c', lines[1][lines[2].Length - 1]);
    }

    [Fact]
    public void Parse_TextOverTheLengthLimit_IsRejectedNamingTheLimit()
    {
        var text = "{a=\"" + new string('x', LabelSelector.MaxLength) + "\"}";

        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));

        Assert.Equal(SelectorError.TooLong, ex.Reason);
        Assert.Equal("selector of 65,542 characters is too long at column 65,537: the limit is 65,536 (LabelSelector.MaxLength)", ex.Summary);
    }

    [Fact]
    public void Parse_MoreMatchersThanTheLimit_IsRejectedAtTheFirstMatcherOverIt()
    {
        var matchers = Enumerable.Range(0, LabelSelector.MaxMatchers + 1).Select(i => $"l{i:D3}=\"v\"");
        var text = "{" + string.Join(",", matchers) + "}";

        var ex = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));

        Assert.Equal(SelectorError.TooManyMatchers, ex.Reason);
        Assert.Equal(2 + (LabelSelector.MaxMatchers * 9), ex.Column);
        Assert.Equal($"too many matchers at column {ex.Column}: the limit is 100 (LabelSelector.MaxMatchers)", ex.Summary);
        Assert.Equal(LabelSelector.MaxMatchers, LabelSelector.Parse("{" + string.Join(",", matchers.Skip(1)) + "}").Matchers.Count);
    }
}
