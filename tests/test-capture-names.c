// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-capture-names.h"

/* Synthetic addresses: what a captured program's lookup of a tunnelled
 * name returns, and how its connect is turned back into the name. */

static char *
address_for (BrokerCaptureNames *names,
             const char         *name,
             GSocketFamily       family)
{
  g_autoptr(GInetAddress) address = broker_capture_names_address (names, name, family);

  g_assert_nonnull (address);
  return g_inet_address_to_string (address);
}

static void
test_ipv4_range_and_stability (void)
{
  g_autoptr(BrokerCaptureNames) names = broker_capture_names_new ();
  g_autofree char *first = address_for (names, "git.corp.example", G_SOCKET_FAMILY_IPV4);
  g_autofree char *again = address_for (names, "git.corp.example", G_SOCKET_FAMILY_IPV4);
  g_autofree char *upper = address_for (names, "GIT.Corp.Example.", G_SOCKET_FAMILY_IPV4);
  g_autofree char *other = address_for (names, "wiki.corp.example", G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string (first);
  g_autoptr(GInetAddressMask) range = g_inet_address_mask_new_from_string ("198.18.0.0/15", NULL);

  g_assert_true (g_inet_address_mask_matches (range, parsed));
  g_assert_cmpstr (first, !=, "198.18.0.0");
  /* One address per name: case and a final dot do not count. */
  g_assert_cmpstr (again, ==, first);
  g_assert_cmpstr (upper, ==, first);
  g_assert_cmpstr (other, !=, first);
  g_assert_cmpstr (broker_capture_names_lookup (names, parsed), ==, "git.corp.example");
}

/* A dual-stack program (Java) connects an IPv6 socket to the IPv4
 * synthetic address it was given: ::ffff:198.18.x.y stands for the name
 * too; other mapped addresses are real ones. */
static void
test_mapped_ipv4 (void)
{
  g_autoptr(BrokerCaptureNames) names = broker_capture_names_new ();
  g_autofree char *first = address_for (names, "git.corp.example", G_SOCKET_FAMILY_IPV4);
  g_autofree char *text = g_strdup_printf ("::ffff:%s", first);
  g_autoptr(GInetAddress) mapped = g_inet_address_new_from_string (text);
  g_autoptr(GInetAddress) real = g_inet_address_new_from_string ("::ffff:127.0.0.1");

  g_assert_true (broker_capture_names_is_synthetic (mapped));
  g_assert_cmpstr (broker_capture_names_lookup (names, mapped), ==, "git.corp.example");
  g_assert_false (broker_capture_names_is_synthetic (real));
  g_assert_null (broker_capture_names_lookup (names, real));
}

static void
test_ipv6_range (void)
{
  g_autoptr(BrokerCaptureNames) names = broker_capture_names_new ();
  g_autofree char *v6 = address_for (names, "git.corp.example", G_SOCKET_FAMILY_IPV6);
  g_autofree char *v4 = address_for (names, "git.corp.example", G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) parsed6 = g_inet_address_new_from_string (v6);
  g_autoptr(GInetAddress) parsed4 = g_inet_address_new_from_string (v4);
  g_autoptr(GInetAddressMask) range = g_inet_address_mask_new_from_string ("fd62:7572:726f:7700::/64",
                                                                          NULL);

  g_assert_true (g_inet_address_mask_matches (range, parsed6));
  g_assert_cmpstr (broker_capture_names_lookup (names, parsed6), ==, "git.corp.example");
  g_assert_cmpstr (broker_capture_names_lookup (names, parsed4), ==, "git.corp.example");
}

static void
test_unknown_and_real_addresses (void)
{
  g_autoptr(BrokerCaptureNames) names = broker_capture_names_new ();
  const char *synthetic[] = { "198.18.0.1", "198.19.255.254", "fd62:7572:726f:7700::5" };
  const char *real[] = { "198.17.255.255", "198.20.0.1", "127.0.0.1", "::1",
                         "fd62:7572:726f:7701::5" };

  for (guint i = 0; i < G_N_ELEMENTS (synthetic); i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (synthetic[i]);

      g_assert_true (broker_capture_names_is_synthetic (address));
      /* Never handed out by this instance (a broker restarted since). */
      g_assert_null (broker_capture_names_lookup (names, address));
    }
  for (guint i = 0; i < G_N_ELEMENTS (real); i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (real[i]);

      g_assert_false (broker_capture_names_is_synthetic (address));
    }
}

/* Many names, all distinct, each found again. */
static void
test_many_names (void)
{
  g_autoptr(BrokerCaptureNames) names = broker_capture_names_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 70000; i++)
    {
      g_autofree char *name = g_strdup_printf ("host%u.example", i);
      char *text = address_for (names, name, G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

      g_assert_true (broker_capture_names_is_synthetic (address));
      g_assert_false (g_hash_table_contains (seen, text));
      g_assert_cmpstr (broker_capture_names_lookup (names, address), ==, name);
      g_hash_table_add (seen, text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture-names/ipv4-range-and-stability", test_ipv4_range_and_stability);
  g_test_add_func ("/capture-names/ipv6-range", test_ipv6_range);
  g_test_add_func ("/capture-names/mapped-ipv4", test_mapped_ipv4);
  g_test_add_func ("/capture-names/unknown-and-real-addresses", test_unknown_and_real_addresses);
  g_test_add_func ("/capture-names/many-names", test_many_names);
  return g_test_run ();
}
