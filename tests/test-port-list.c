// SPDX-License-Identifier: GPL-3.0-or-later
/* The ports="..." of a filter rule: "23", "25,110,143", "8000-8100,22",
 * empty for every port. */
#include "broker-error.h"
#include "broker-port-list.h"

#include <string.h>

typedef struct
{
  const char *name;
  const char *text;
  const char *canonical;  /* what to_string gives back */
} ValidCase;

static const ValidCase valid_cases[] = {
  { "single", "23", "23" },
  { "first-port", "1", "1" },
  { "last-port", "65535", "65535" },
  { "list", "25,110,143", "25,110,143" },
  { "range", "8000-8100", "8000-8100" },
  { "range-and-single", "8000-8100,22", "8000-8100,22" },
  { "full-range", "1-65535", "1-65535" },
  { "one-port-range", "80-80", "80" },
  { "ftp-ports", "20-21,990,989", "20-21,990,989" },
  { "blanks-around", " 22 ", "22" },
  { "tab-and-newline", "\t23\n", "23" },
  { "blanks-around-comma", "22 , 23", "22,23" },
  { "blanks-in-range", " 8000 - 8100 , 22", "8000-8100,22" },
  { "leading-zero", "022", "22" },
  /* Empty means every port, as in rules without ports="...". */
  { "empty", "", "" },
  { "only-blanks", "   ", "" },
};

typedef struct
{
  const char *name;
  const char *text;
  const char *substring;  /* of the error message */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "letters", "abc", "'abc' is not a port number between 1 and 65535" },
  { "zero", "0", "'0' is not a port number" },
  { "above-65535", "65536", "'65536' is not a port number" },
  { "above-65535-far", "70000", "'70000' is not a port number" },
  { "wrap-around-32-bits", "4294967319", "'4294967319' is not a port number" }, /* 2^32 + 23 */
  { "beyond-64-bits", "99999999999999999999999", "is not a port number" },
  { "plus-sign", "+22", "'+22' is not a port number" },
  { "hexadecimal", "0x16", "'0x16' is not a port number" },
  { "decimal-point", "22.0", "'22.0' is not a port number" },
  { "blank-inside", "22 23", "'22 23' is not a port number" },
  { "semicolon", "22;23", "'22;23' is not a port number" },
  { "non-ascii-digits", "\xd9\xa2\xd9\xa3", "is not a port number" }, /* Arabic-Indic 23 */
  { "empty-item", "1,,2", "'' is not a port number" },
  { "lone-comma", ",", "'' is not a port number" },
  { "trailing-comma", "22,", "'' is not a port number" },
  { "leading-comma", ",22", "'' is not a port number" },
  { "lone-dash", "-", "'' is not a port number" },
  { "negative-one", "-1", "'' is not a port number" },
  { "negative", "-22", "'' is not a port number" },
  { "open-range", "22-", "'' is not a port number" },
  { "two-dashes", "1-2-3", "'2-3' is not a port number" },
  { "range-from-zero", "0-10", "'0' is not a port number" },
  { "range-above-65535", "10-65536", "'65536' is not a port number" },
  { "reversed-range", "90-80", "port range '90-80' ends before it starts" },
  { "reversed-full-range", "65535-1", "port range '65535-1' ends before it starts" },
  { "reversed-range-in-list", "22,90-80", "port range '90-80' ends before it starts" },
};

static void
test_valid (gconstpointer data)
{
  const ValidCase *valid_case = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerPortList) list = broker_port_list_parse (valid_case->text, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (list);
  text = broker_port_list_to_string (list);
  g_assert_cmpstr (text, ==, valid_case->canonical);
  g_assert_cmpint (broker_port_list_is_any (list), ==, *valid_case->canonical == '\0');
}

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *invalid_case = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerPortList) list = broker_port_list_parse (invalid_case->text, &error);

  g_assert_null (list);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  if (strstr (error->message, invalid_case->substring) == NULL)
    g_test_message ("\"%s\" does not contain \"%s\"", error->message, invalid_case->substring);
  g_assert_nonnull (strstr (error->message, invalid_case->substring));
}

static BrokerPortList *
parse_valid (const char *text)
{
  g_autoptr(GError) error = NULL;
  BrokerPortList *list = broker_port_list_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static void
test_null_is_any (void)
{
  g_autoptr(BrokerPortList) list = parse_valid (NULL);
  g_autofree char *text = broker_port_list_to_string (list);

  g_assert_true (broker_port_list_is_any (list));
  g_assert_cmpstr (text, ==, "");
}

static void
test_any_contains_everything (void)
{
  g_autoptr(BrokerPortList) list = parse_valid ("");

  for (guint port = 1; port <= 65535; port++)
    g_assert_true (broker_port_list_contains (list, (guint16) port));
}

static void
test_contains_single (void)
{
  g_autoptr(BrokerPortList) first = parse_valid ("1");
  g_autoptr(BrokerPortList) last = parse_valid ("65535");
  g_autoptr(BrokerPortList) telnet = parse_valid ("23");

  g_assert_true (broker_port_list_contains (first, 1));
  g_assert_false (broker_port_list_contains (first, 2));
  g_assert_false (broker_port_list_contains (first, 65535));
  g_assert_true (broker_port_list_contains (last, 65535));
  g_assert_false (broker_port_list_contains (last, 65534));
  g_assert_false (broker_port_list_contains (last, 1));
  g_assert_true (broker_port_list_contains (telnet, 23));
  g_assert_false (broker_port_list_contains (telnet, 22));
  g_assert_false (broker_port_list_contains (telnet, 24));
}

static void
test_contains_ranges (void)
{
  g_autoptr(BrokerPortList) all = parse_valid ("1-65535");
  g_autoptr(BrokerPortList) mixed = parse_valid ("22,8000-8100,65000-65535");

  g_assert_false (broker_port_list_is_any (all));
  g_assert_true (broker_port_list_contains (all, 1));
  g_assert_true (broker_port_list_contains (all, 65535));

  g_assert_true (broker_port_list_contains (mixed, 22));
  g_assert_false (broker_port_list_contains (mixed, 21));
  g_assert_false (broker_port_list_contains (mixed, 23));
  g_assert_false (broker_port_list_contains (mixed, 7999));
  g_assert_true (broker_port_list_contains (mixed, 8000));
  g_assert_true (broker_port_list_contains (mixed, 8050));
  g_assert_true (broker_port_list_contains (mixed, 8100));
  g_assert_false (broker_port_list_contains (mixed, 8101));
  g_assert_false (broker_port_list_contains (mixed, 64999));
  g_assert_true (broker_port_list_contains (mixed, 65000));
  g_assert_true (broker_port_list_contains (mixed, 65535));
  g_assert_false (broker_port_list_contains (mixed, 1));
}

/* Every port in or out of a list is in or out of its to_string's list too. */
static void
test_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autoptr(BrokerPortList) list = parse_valid (valid_cases[i].text);
      g_autofree char *text = broker_port_list_to_string (list);
      g_autoptr(BrokerPortList) again = parse_valid (text);
      g_autofree char *text_again = broker_port_list_to_string (again);

      g_assert_cmpstr (text_again, ==, text);
      g_assert_cmpint (broker_port_list_is_any (again), ==, broker_port_list_is_any (list));
      for (guint port = 1; port <= 65535; port++)
        g_assert_cmpint (broker_port_list_contains (again, (guint16) port), ==,
                         broker_port_list_contains (list, (guint16) port));
    }
}

static void
test_free_null (void)
{
  broker_port_list_free (NULL);
}

static void
add_table_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/port-list/valid/", valid_cases[i].name, NULL);

      g_test_add_data_func (path, &valid_cases[i], test_valid);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/port-list/invalid/", invalid_cases[i].name, NULL);

      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_table_tests ();
  g_test_add_func ("/port-list/null-is-any", test_null_is_any);
  g_test_add_func ("/port-list/any-contains-everything", test_any_contains_everything);
  g_test_add_func ("/port-list/contains/single", test_contains_single);
  g_test_add_func ("/port-list/contains/ranges", test_contains_ranges);
  g_test_add_func ("/port-list/round-trip", test_round_trip);
  g_test_add_func ("/port-list/free-null", test_free_null);

  return g_test_run ();
}
