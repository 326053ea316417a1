Feature: Outlines with awkward rows

  Scenario Outline: text <text> has length <length>
    Given the text "<text>"
    Then its length is <length>

    Examples: plain
      | text        | length |
      | abc         | 3      |
      | with spaces | 11     |
      | two  spaces | 11     |
      |             | 0      |

    Examples: brackets and quotes
      | text           | length |
      | [bracketed]    | 11     |
      | a[0]           | 4      |
      | (parens)       | 8      |
      | {braces}       | 8      |
      | "double"       | 8      |
      | 'single'       | 8      |
      | back\\slash    | 10     |
      | pipe \| inside | 13     |
      | <angle>        | 7      |
      | a & b          | 5      |
      | tab	here       | 8      |

    Examples: non-ASCII
      | text      | length |
      | ünïcödé   | 7      |
      | 日本語     | 3      |
      | naïve café | 10    |
      | ☃ snow    | 6      |
      | Ωmega     | 5      |
      | emoji 🎉  | 7      |
      | wrong ü   | 99     |

  Scenario Outline: doubled <word> reads "<word><word>"
    Given the text "<word><word>"
    Then it reads "<expected>"

    Examples:
      | word | expected |
      | ab   | abab     |
      | x y  | x yx y   |
      | [1]  | [1][1]   |
      | é    | éé       |
      | no   | nope     |

  Scenario Outline: <a> equals <b>
    Then <a> equals <b>

    Examples:
      | a | b |
      | 1 | 1 |
      | 2 | 2 |
      | 3 | 4 |
