package content

import "strings"

// DataLicence is the licence the node's open data is published under:
// the admin's choice between public domain and attribution.
type DataLicence string

// The licences.
const (
	LicenceCC0  DataLicence = "cc0"
	LicenceCCBY DataLicence = "cc-by"
)

// ParseDataLicence validates a licence name.
func ParseDataLicence(s string) (DataLicence, error) {
	switch l := DataLicence(strings.ToLower(strings.TrimSpace(s))); l {
	case LicenceCC0, LicenceCCBY:
		return l, nil
	}
	return "", Errorf(KindInvalid, "licence", "licence.invalid", "unknown licence %q: use cc0 or cc-by", s)
}

// URL is the licence's canonical address, which DCAT and the downloads name.
func (l DataLicence) URL() string {
	if l == LicenceCC0 {
		return "https://creativecommons.org/publicdomain/zero/1.0/"
	}
	return "https://creativecommons.org/licenses/by/4.0/"
}

// Title is the licence's name as licences are usually cited.
func (l DataLicence) Title() string {
	if l == LicenceCC0 {
		return "CC0 1.0 Universal"
	}
	return "CC BY 4.0"
}
