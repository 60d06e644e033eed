/* common/tz.h: time zones from the system zoneinfo (TZif files) and POSIX TZ strings.
 *
 * A TzZone maps UTC instants (seconds since 1970-01-01 00:00:00 UTC, int64) to UTC offsets
 * (seconds east of Greenwich) and abbreviations. Zones come from TZif v1/v2+/v3 files (the
 * 64-bit section is used when present, and the POSIX footer rule extends the table to any
 * later date), from POSIX TZ strings ("EST5EDT", "<+05>-5", "+05:30" meaning 5:30 WEST of
 * Greenwich, as POSIX and PostgreSQL's pg_tzset read it) or from a fixed offset. tz_load
 * caches every zone it loads for the life of the process (thread-safe); cached zones are
 * immutable and never freed, so a const TzZone * from tz_load may be kept anywhere.
 * Bytes read from a file are validated: a malformed file is an Error, never a crash. */
#ifndef BIRCH_COMMON_TZ_H
#define BIRCH_COMMON_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct TzZone TzZone;

enum {
    TZ_NAME_SIZE_MAX = 256,      /* longest zone name or POSIX string accepted, bytes */
    TZ_ABBREV_SIZE_MAX = 16,     /* longest abbreviation ("EST", "+0530"), bytes with NUL */
    TZ_OFFSET_SECS_MAX = 168 * 3600 - 1, /* |UTC offset| bound accepted from TZif and POSIX */
    TZ_CACHE_COUNT_MAX = 4096,   /* distinct zones one process may load */
};

/* tz_load: the zone called name, like PostgreSQL's pg_tzset: "UTC"/"GMT", a zoneinfo file under
 * the zoneinfo directory (name matched case-insensitively, e.g. "america/new_york"), or a POSIX
 * TZ string ("EST5EDT", "UTC+3", "<+0530>-5:30", "+05:30"; POSIX signs: positive is west).
 * Pre:    name is NUL-terminated.
 * Post:   *zone_out is cached for the life of the process; tz_name() is name as first given.
 * Errors: INVALID_PARAMETER_VALUE `time zone "NAME" not recognized` when no zone has that name;
 *         DATA_CORRUPTED when the file exists but is not a valid TZif file; OUT_OF_MEMORY;
 *         PROGRAM_LIMIT_EXCEEDED once TZ_CACHE_COUNT_MAX distinct zones (mostly POSIX strings
 *         taken from user input) are loaded, since loaded zones are never freed. */
Error *tz_load(const char *name, const TzZone **zone_out);

/* tz_load_setting: the session TimeZone from a SET value, as PostgreSQL's check_timezone: a
 * plain number is hours EAST of Greenwich ("-7", "5.5"), else as tz_load.
 * Errors: INVALID_PARAMETER_VALUE `invalid value for parameter "TimeZone": "VALUE"`. */
Error *tz_load_setting(const char *value, const TzZone **zone_out);

/* tz_utc: the built-in UTC zone (never NULL, never needs a file). */
const TzZone *tz_utc(void);

/* tz_fixed: a cached zone with one fixed offset (seconds east, |offset| <= TZ_OFFSET_SECS_MAX)
 * whose abbreviation is "+05:30" / "-07". NULL on OOM or when the zone cache is full. */
const TzZone *tz_fixed(int32_t offset_secs);

/* tz_parse_tzif: parse TZif bytes into a new uncached zone (tests, tools). Free with tz_free.
 * Errors: DATA_CORRUPTED "invalid time zone file ..." for anything malformed; OUT_OF_MEMORY. */
Error *tz_parse_tzif(const char *name, const uint8_t *data, size_t size, TzZone **zone_out);

/* tz_parse_posix: parse a POSIX TZ string into a new uncached zone. Free with tz_free.
 * Errors: INVALID_PARAMETER_VALUE `time zone "SPEC" not recognized`; OUT_OF_MEMORY. */
Error *tz_parse_posix(const char *spec, TzZone **zone_out);

/* tz_free: free a zone from tz_parse_tzif/tz_parse_posix. NULL allowed. Never pass a cached
 * zone (from tz_load, tz_utc, tz_fixed). */
void tz_free(TzZone *zone);

/* tz_name: the name the zone was loaded by (points into the zone). */
const char *tz_name(const TzZone *zone);

/* tz_offset_at: the UTC offset in seconds east in force at UTC instant utc_secs. Optional outs:
 * *is_dst_out, *abbrev_out (points into the zone, e.g. "EST", "LMT", "+0530"). */
int32_t tz_offset_at(const TzZone *zone, int64_t utc_secs, bool *is_dst_out,
                     const char **abbrev_out);

/* tz_next_transition: the first instant > utc_secs where the zone's offset or DST flag changes.
 * Returns false when there is none (*boundary_out untouched). *offset_before_out is the offset
 * at utc_secs; *offset_after_out the offset from the boundary on (any out may be NULL). */
bool tz_next_transition(const TzZone *zone, int64_t utc_secs, int64_t *boundary_out,
                        int32_t *offset_before_out, int32_t *offset_after_out);

/* tz_local_offset: the UTC offset (seconds east) to apply to local wall-clock time local_secs
 * (seconds since 1970-01-01 00:00:00 local) so that utc = local_secs - offset, with
 * PostgreSQL's rule for a skipped local time (spring forward: the offset from before the
 * transition, so 02:30 becomes 03:30 DST) and a repeated one (fall back: the offset from after
 * the transition, i.e. standard time). *is_dst_out (may be NULL) is the DST flag chosen. */
int32_t tz_local_offset(const TzZone *zone, int64_t local_secs, bool *is_dst_out);

/* tz_fixed_offset: true (and *offset_out) when the zone has a single offset at all times. */
bool tz_fixed_offset(const TzZone *zone, int32_t *offset_out);

/* tz_abbrev_lookup: a time zone abbreviation of PostgreSQL's "Default" set with a fixed offset
 * ("est" -> -18000, "z", "utc", "cest", ...); abbrev is lower-case. false when unknown. */
bool tz_abbrev_lookup(const char *abbrev, int32_t *offset_out, bool *is_dst_out);

/* tz_abbrev_zone: for a zone-dependent abbreviation of the "Default" set ("msk"), the zone
 * whose history defines it ("Europe/Moscow"); NULL when abbrev (lower-case) is not one. */
const char *tz_abbrev_zone(const char *abbrev);

/* tz_abbrev_offset_before: what abbrev (any case) meant in zone around utc_secs: the offset of
 * the latest transition at or before utc_secs that used it, else of the first one after, else
 * of the POSIX rule's types. false when the zone never uses it. */
bool tz_abbrev_offset_before(const TzZone *zone, const char *abbrev, int64_t utc_secs,
                             int32_t *offset_out);

/* tz_set_directory: use dir instead of /usr/share/zoneinfo (or $TZDIR) for later loads. The
 * string is copied; call before other threads use tz_load. NULL restores the default. */
void tz_set_directory(const char *dir);

#endif
