# encoding: utf-8
# Descriptions with spaces, brackets, quotes, XML specials and non-ASCII.
RSpec.describe "String handling" do
  SAMPLES = {
    "plain words" => "words",
    "naïve café" => "naïve café",
    "日本語のテキスト" => "日本語",
    "emoji 🚀 and ✓" => "🚀",
    "quotes \"double\" and 'single'" => "\"double\"",
    "brackets [1:2] (paren) {brace}" => "[1:2]",
    "back\\slash and /slash" => "\\",
    "ampersand & <angle> brackets" => "& <",
    "tab\tinside" => "\t",
    "percent %s and %d" => "%s",
    "a hash # and colons ::" => "::",
    "trailing dots..." => "...",
    "Ünïcödé ÅÄÖ ßæø" => "ß",
    "Ελληνικά και кириллица" => "кириллица",
    "mixed RTL עברית" => "עברית",
    "zero-width\u200Bjoiner" => "\u200B",
    "dollar $HOME and ${VAR}" => "$HOME",
    "backtick `ls` and pipe |" => "|",
    "semicolon; and comma," => ";",
    "question? and star*" => "*"
  }.freeze

  SAMPLES.each do |label, needle|
    it "round-trips #{label}" do
      expect(label.dup.force_encoding("UTF-8")).to include(needle)
    end

    it "measures #{label} in characters" do
      expect(label.length).to be <= label.bytesize
    end
  end

  describe "case mapping of \"quoted\" [groups]" do
    %w[straße éclair İstanbul ǅemal ﬁne].each do |word|
      it "upcases #{word}" do
        expect(word.upcase).not_to be_empty
      end
    end
  end

  # A name with characters XML cannot hold: rspec_junit_formatter writes them
  # as Ruby escapes ("\e"), which the preset must reproduce.
  it "keeps a bell \a and an escape \e in its name" do
    expect("\e").to eq("\u001b")
  end

  it "fails on a unicode mismatch «ça»" do
    expect("ça").to eq("ca")
  end
end
