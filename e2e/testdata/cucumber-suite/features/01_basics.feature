Feature: Basics

  Background:
    Given a clean background

  Scenario: the background runs first
    Then the background ran

  Scenario: adding two numbers
    Given a number 2
    And a number 3
    When I add them
    Then the sum is 5

  Scenario: adding negative numbers
    Given a number -2
    And a number -3
    When I add them
    Then the sum is -5

  Scenario: a wrong sum fails
    Given a number 2
    And a number 2
    When I add them
    Then the sum is 5

  Scenario: printing to stdout and stderr
    Given a step that prints "hello from basics"
    Then the background ran

  Scenario: a data table
    Given the table:
      | a | b |
      | 1 | 2 |
      | 3 | 4 |
    Then the table has 3 rows

  Scenario: a doc string
    Given the doc string:
      """
      twelve chars
      """
    Then its length is 12

  Scenario: a name with "quotes", [brackets] and ünïcödé ☃
    Given a step that passes

  Scenario: a name with a trailing dot.
    Given a step that passes

  Scenario:
    Given a step that passes

  Scenario Outline: sums of <a> and <b>
    Given a number <a>
    And a number <b>
    When I add them
    Then the sum is <sum>

    Examples:
      | a  | b  | sum |
      | 1  | 1  | 2   |
      | 2  | 3  | 5   |
      | 10 | 20 | 30  |
      | -1 | 1  | 0   |
      | 7  | 7  | 15  |
