package content

import (
	"strings"
	"testing"
	"time"
)

// FuzzRRule feeds arbitrary repeat rules, zones and windows to the series
// rules: no panic, no hang, a valid rule stays valid once normalised, and
// the occurrences of a valid series lie in the window asked, in order,
// at most MaxOccurrences of them.
func FuzzRRule(f *testing.F) {
	for _, r := range []string{
		"FREQ=MONTHLY;BYDAY=2MO,4MO", "RRULE:freq=weekly;byday=tu,th;count=10", "FREQ=DAILY;INTERVAL=2;UNTIL=20271231",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
		"FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=366", "FREQ=WEEKLY;WKST=SU;BYDAY=SU,SA;UNTIL=20260101T000000Z",
		"FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9", "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY", "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=DAILY;COUNT=-1", "FREQ=YEARLY;INTERVAL=9999;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", ";;FREQ=DAILY;;", "",
	} {
		f.Add(r, "Europe/Amsterdam", int64(1780000000), int64(90), int64(0), uint8(12))
	}
	f.Add("FREQ=DAILY", "America/Santiago", int64(1775350800), int64(60), int64(-86400*400), uint8(104))
	f.Add("FREQ=WEEKLY", "Australia/Lord_Howe", int64(1775350800), int64(14*24*60), int64(86400*365*50), uint8(1))
	f.Add("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Pacific/Apia", int64(951825600), int64(30), int64(86400*365*7000), uint8(255))
	f.Fuzz(func(t *testing.T, rule, zone string, firstStart, minutes, fromOffset int64, horizonWeeks uint8) {
		var norm string
		var err error
		within(t, fuzzBudget, "ValidateRRule", func() { norm, err = ValidateRRule(rule) })
		if err == nil {
			if again, err := ValidateRRule(norm); err != nil || again != norm {
				t.Fatalf("normalised rule %q (from %q) gives %q, %v on a second pass", norm, rule, again, err)
			}
		} else if KindOf(err) != KindInvalid {
			t.Fatalf("ValidateRRule(%q): %v is not a KindInvalid error", rule, err)
		}
		s := &Series{
			RRule: rule, TimeZone: zone, FirstStart: time.Unix(firstStart, 0).UTC(),
			Duration: time.Duration(minutes) * time.Minute, HorizonWeeks: int(horizonWeeks),
			Template: Event{Title: "Repair café"},
		}
		within(t, fuzzBudget, "ValidateSeries", func() { err = ValidateSeries(s) })
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Fatalf("ValidateSeries(%q): %v is not a KindInvalid error", rule, err)
			}
			return
		}
		// The window as the series worker asks it: from a moment near the
		// first start (fromOffset seconds away), as far ahead as the
		// horizon.
		from := s.FirstStart.Add(time.Duration(fromOffset) * time.Second)
		to := from.Add(s.Horizon())
		var occ []time.Time
		within(t, fuzzBudget, "Occurrences", func() { occ, err = s.Occurrences(from, to) })
		if err != nil {
			t.Fatalf("Occurrences of a valid series %q: %v", s.RRule, err)
		}
		if len(occ) > MaxOccurrences {
			t.Fatalf("%d occurrences, want at most %d", len(occ), MaxOccurrences)
		}
		for i, o := range occ {
			if o.Before(from) || !o.Before(to) {
				t.Fatalf("occurrence %d at %v lies outside [%v, %v) (rule %q, zone %s)", i, o, from, to, s.RRule, s.TimeZone)
			}
			if i > 0 && !o.After(occ[i-1]) {
				t.Fatalf("occurrence %d at %v does not come after %v (rule %q, zone %s)", i, o, occ[i-1], s.RRule, s.TimeZone)
			}
			if o.Location() != time.UTC {
				t.Fatalf("occurrence %d is in %v, want UTC", i, o.Location())
			}
		}
	})
}

// TestOccurrencesWhereMidnightIsSkipped is the first failure of
// FuzzRRule: in America/Santiago the clocks go from 00:00 to 01:00 on 6
// September 2026, and rrule-go, which builds each day from its midnight,
// gave 5 September twice and no 6 September.
func TestOccurrencesWhereMidnightIsSkipped(t *testing.T) {
	loc := LoadZone("America/Santiago")
	s := &Series{RRule: "FREQ=DAILY", TimeZone: "America/Santiago", Duration: time.Hour,
		FirstStart: time.Date(2026, 9, 1, 22, 0, 0, 0, loc).UTC(), Template: Event{Title: "x"}}
	if err := ValidateSeries(s); err != nil {
		t.Fatal(err)
	}
	occ, err := s.Occurrences(s.FirstStart, s.FirstStart.AddDate(0, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, o := range occ {
		days = append(days, o.In(loc).Format("2 15:04"))
	}
	want := "1 22:00 2 22:00 3 22:00 4 22:00 5 22:00 6 22:00 7 22:00 8 22:00 9 22:00 10 22:00 11 22:00" // the window ends at 23:00 on the 11th, after the clocks moved
	if got := strings.Join(days, " "); got != want {
		t.Errorf("occurrences on\n%s\nwant\n%s", got, want)
	}
}

// TestRRuleRefusesOrdinalsPastAMonth is a panic FuzzRRule found:
// rrule-go accepts BYDAY=24MO in a monthly rule and then indexes out of
// range expanding it. ValidateRRule refuses what RFC 5545 does not allow.
func TestRRuleRefusesOrdinalsPastAMonth(t *testing.T) {
	for _, r := range []string{"FREQ=MONTHLY;BYDAY=24MO", "FREQ=MONTHLY;BYDAY=-6FR", "FREQ=YEARLY;BYMONTH=3;BYDAY=6MO", "FREQ=WEEKLY;BYDAY=1MO"} {
		if _, err := ValidateRRule(r); KindOf(err) != KindInvalid {
			t.Errorf("ValidateRRule(%q) = %v, want a KindInvalid error", r, err)
		}
	}
	for _, r := range []string{"FREQ=MONTHLY;BYDAY=5MO", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYDAY=20MO", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"} {
		if _, err := ValidateRRule(r); err != nil {
			t.Errorf("ValidateRRule(%q) = %v, want nil", r, err)
		}
	}
}
