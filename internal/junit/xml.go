package junit

import "encoding/xml"

// The elements of a Surefire report, in the order the Surefire XSD requires. The
// types are our own because go-junit-report's cannot express reruns.
type testsuite struct {
	XMLName    xml.Name    `xml:"testsuite"`
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr,omitempty"`
	Properties *properties `xml:"properties"`
	Testcases  []testcase  `xml:"testcase"`
}

type properties struct {
	Property []property `xml:"property"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Classname     string   `xml:"classname,attr"`
	Name          string   `xml:"name,attr"`
	Time          string   `xml:"time,attr"`
	Failure       *verdict `xml:"failure"`
	RerunFailures []rerun  `xml:"rerunFailure"`
	FlakyFailures []rerun  `xml:"flakyFailure"`
	Skipped       *verdict `xml:"skipped"`
	Error         *verdict `xml:"error"`
	// No rerunError or flakyError: Jenkins' junit plugin drops them, so every
	// bad attempt but the first is a rerunFailure or flakyFailure (newTestcase).
	SystemOut text `xml:"system-out,omitempty"`
}

// verdict is a failure, error or skipped element: attributes and a text body.
type verdict struct {
	Message string
	Type    string
	Body    string
}

func (v verdict) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if v.Message != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "message"}, Value: v.Message})
	}
	if v.Type != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "type"}, Value: v.Type})
	}
	return text(v.Body).MarshalXML(e, start)
}

// rerun is a rerunFailure or flakyFailure: one bad attempt, its type saying
// whether it failed or errored.
// Surefire's XSD requires stackTrace, even empty, and junit-10's requires type.
type rerun struct {
	Message    string `xml:"message,attr,omitempty"`
	Type       string `xml:"type,attr"`
	StackTrace text   `xml:"stackTrace"`
	SystemOut  text   `xml:"system-out,omitempty"`
}

// text is element content written with its newlines as they are: encoding/xml writes
// a plain string field's newlines as "&#xA;", which is valid but unreadable.
type text string

func (t text) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if t != "" {
		if err := e.EncodeToken(xml.CharData(t)); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
