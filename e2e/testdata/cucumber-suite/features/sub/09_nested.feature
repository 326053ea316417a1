Feature: Nested directory

  Background:
    Given a clean background

  Scenario Outline: nested row <n>
    Then the background ran

    Examples:
      | n  |
      | 1  |
      | 2  |
      | 3  |
      | 4  |
      | 5  |
      | 6  |
      | 7  |
      | 8  |

  Scenario: nested failing
    Then 5 equals 6
