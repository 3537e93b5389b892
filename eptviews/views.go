// Package eptviews is the views model of the vmfunc backend: which
// guest-physical pages each domain's view maps, and with what rights.
//
// A view is what one EPT (one EPTP-list entry) would map. View 0 is the
// application's; view N is library N's. The application's view holds no
// library's private page; a library's view holds its own pages, the gate
// pages and its argument area. Build derives the views from a layout and
// Check verifies the isolation invariants on any set of views, so a
// hand-made or corrupted set is caught as well as a bug in Build.
package eptviews

import (
	"fmt"
	"sort"
)

// Kind is what a region holds; it decides the rights a view gets.
type Kind int

// Region kinds.
const (
	Supervisor      Kind = iota // ring-0 tables: read-only, every view
	SupervisorCode              // ring-0 code: read+execute, every view, never user-accessible
	SupervisorStack             // ring-0 stack: writable, every view, never user-accessible
	Gate                        // gate code: read+execute, every view
	GateIn                      // gate code run after the switch into a library: library views
	GateOut                     // gate code run after the switch back: the application's view
	GateHeader                  // per-view header page (its contents differ per view)
	GateEntries                 // entry table: read-only, every view
	Text                        // a domain's code
	Data                        // a domain's data, bss, heap
	Stack                       // a domain's stack
	Args                        // a library's argument area, shared with the app
	// Request is a request slot of the handoff backend: one page through
	// which one caller (Peer: the app or a library) hands calls to one
	// library (Owner), mapped writable by those two views and no other.
	Request
)

var kindNames = [...]string{"supervisor", "supervisor-code", "supervisor-stack", "gate", "gate-in", "gate-out", "gate-header",
	"gate-entries", "text", "data", "stack", "args", "request"}

// String names the kind.
func (k Kind) String() string { return kindNames[k] }

// UserAccessible reports whether ring 3 may touch regions of this kind.
func (k Kind) UserAccessible() bool {
	return k != Supervisor && k != SupervisorCode && k != SupervisorStack
}

// Shared reports whether regions of this kind are trusted and belong to no
// domain (mapped in every view, or in every view of one side).
func (k Kind) Shared() bool { return k <= GateEntries }

// GateCode reports whether the kind is one of the gate's code pages.
func (k Kind) GateCode() bool { return k == Gate || k == GateIn || k == GateOut }

// Region is a page-aligned range of guest-physical memory.
type Region struct {
	Name  string
	Owner int // owning domain; 0 for the shared kinds
	// Peer is a request slot's caller (Kind Request only): the other view
	// that maps it.
	Peer int
	Kind Kind
	GPA  uint64
	Size uint64
}

// End is the first address after the region.
func (r Region) End() uint64 { return r.GPA + r.Size }

// Mapping is a region as one view sees it.
type Mapping struct {
	Region
	Writable   bool
	Executable bool
}

// View is the memory one domain runs with.
type View struct {
	ID       int
	Mappings []Mapping // sorted by GPA
}

// Lookup returns the mapping that contains gpa.
func (v *View) Lookup(gpa uint64) (Mapping, bool) {
	i := sort.Search(len(v.Mappings), func(i int) bool { return v.Mappings[i].End() > gpa })
	if i < len(v.Mappings) && v.Mappings[i].GPA <= gpa {
		return v.Mappings[i], true
	}
	return Mapping{}, false
}

// Views holds one view per domain, indexed by domain id; absent ids are nil.
type Views []*View

// PageSize is the granularity of every region.
const PageSize = 4096

// Build derives the views for the given domains (0 must be among them),
// as the VMM's emulated switch needs them: the gate-in page absent from
// the application's view and the gate-out page absent from the
// libraries', so that each VMFUNC's fetch leaves the view it starts in.
func Build(regions []Region, domains []int) (Views, error) {
	return build(regions, domains, false)
}

// BuildHardware derives the views for VMFUNC that runs in hardware (the
// hypervisor mode): every view maps all three gate pages, because a
// VMFUNC whose fetch straddles into an unmapped page would fault before
// it switched. Page 1 re-checks the view it runs in, so mapping it in the
// application's view opens nothing.
func BuildHardware(regions []Region, domains []int) (Views, error) {
	return build(regions, domains, true)
}

func build(regions []Region, domains []int, hardware bool) (Views, error) {
	max := 0
	for _, d := range domains {
		if d < 0 || d > 511 {
			return nil, fmt.Errorf("domain %d: an EPTP list has 512 entries", d)
		}
		if d > max {
			max = d
		}
	}
	views := make(Views, max+1)
	for _, d := range domains {
		views[d] = &View{ID: d}
	}
	if views[0] == nil {
		return nil, fmt.Errorf("no application domain (0)")
	}
	for _, r := range regions {
		if r.GPA%PageSize != 0 || r.Size%PageSize != 0 || r.Size == 0 {
			return nil, fmt.Errorf("region %s [%#x, +%#x) is not whole pages", r.Name, r.GPA, r.Size)
		}
		for _, v := range views {
			if v == nil {
				continue
			}
			if m, ok := mappingFor(r, v.ID, hardware); ok {
				v.Mappings = append(v.Mappings, m)
			}
		}
	}
	for _, v := range views {
		if v != nil {
			sort.Slice(v.Mappings, func(i, j int) bool { return v.Mappings[i].GPA < v.Mappings[j].GPA })
		}
	}
	if err := views.Check(); err != nil {
		return nil, fmt.Errorf("views built from the layout break an invariant: %w", err)
	}
	return views, nil
}

// mappingFor is the rule: who sees a region, and how.
func mappingFor(r Region, view int, hardware bool) (Mapping, bool) {
	m := Mapping{Region: r}
	switch r.Kind {
	case Supervisor, GateHeader, GateEntries:
		return m, true
	case SupervisorStack:
		m.Writable = true
		return m, true
	case Gate, SupervisorCode:
		m.Executable = true
		return m, true
	case GateIn: // absent from the app's view: a VMFUNC running into it exits
		m.Executable = true
		return m, view != 0 || hardware
	case GateOut: // absent from library views, for the switch back
		m.Executable = true
		return m, view == 0 || hardware
	case Text:
		m.Executable = true
		return m, r.Owner == view
	case Data, Stack:
		m.Writable = true
		return m, r.Owner == view
	case Args:
		m.Writable = true
		return m, view == 0 || r.Owner == view
	case Request:
		m.Writable = true
		return m, view == r.Owner || view == r.Peer
	}
	return m, false
}

// Check verifies the isolation invariants:
//   - a domain's text, data and stack appear only in that domain's view;
//   - a library's argument area appears only in the app's and its own view;
//   - a request slot appears only in the views of its two ends, a
//     library (its owner) and one caller (its peer), never one domain's
//     with itself;
//   - no page is writable in two views unless it is an argument area, a
//     request slot (its two ends) or the supervisor stack, which ring 3
//     can never address;
//   - no mapping is writable and executable; the gate pages are never
//     writable;
//   - mappings in a view do not overlap;
//   - every view has the gate, its header and the entry table; a
//     library's view has the gate-in page and its own argument area, the
//     app's view the gate-out page.
func (vs Views) Check() error {
	if len(vs) == 0 || vs[0] == nil {
		return fmt.Errorf("no application view")
	}
	writers := map[uint64][]int{} // page -> views that may write it
	for id, v := range vs {
		if v == nil {
			continue
		}
		if v.ID != id {
			return fmt.Errorf("view at index %d says it is view %d", id, v.ID)
		}
		have := map[Kind]bool{}
		ms := append([]Mapping(nil), v.Mappings...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].GPA < ms[j].GPA })
		for i, m := range ms {
			where := fmt.Sprintf("view %d: %s %s [%#x, %#x)", id, m.Kind, m.Name, m.GPA, m.End())
			if i > 0 && ms[i-1].End() > m.GPA {
				return fmt.Errorf("%s overlaps %s", where, ms[i-1].Name)
			}
			if m.Writable && m.Executable {
				return fmt.Errorf("%s is writable and executable", where)
			}
			switch m.Kind {
			case Gate, GateIn, GateOut, GateHeader, GateEntries, Supervisor, SupervisorCode:
				if m.Writable {
					return fmt.Errorf("%s is writable; trusted pages never are", where)
				}
			case Text, Data, Stack:
				if m.Owner != id {
					return fmt.Errorf("%s is private to domain %d", where, m.Owner)
				}
			case Args:
				if id != 0 && m.Owner != id {
					return fmt.Errorf("%s belongs to library %d", where, m.Owner)
				}
			case Request:
				if m.Owner == 0 || m.Owner == m.Peer {
					return fmt.Errorf("%s: a request slot runs from a caller to another domain, a library (owner %d, caller %d)", where, m.Owner, m.Peer)
				}
				if id != m.Owner && id != m.Peer {
					return fmt.Errorf("%s is the request slot from domain %d to library %d only", where, m.Peer, m.Owner)
				}
				if m.Executable {
					return fmt.Errorf("%s: a request slot is data", where)
				}
			}
			if m.Kind == Text && m.Writable {
				return fmt.Errorf("%s: code is writable", where)
			}
			if m.Kind == Args && m.Owner == id {
				have[Args] = true
			} else if m.Kind.Shared() {
				have[m.Kind] = true
			}
			if m.Writable && m.Kind != Args && m.Kind != Request && m.Kind != SupervisorStack {
				for p := m.GPA; p < m.End(); p += PageSize {
					writers[p] = append(writers[p], id)
				}
			}
		}
		gateHalf := GateIn
		if id == 0 {
			gateHalf = GateOut
		}
		for _, k := range []Kind{Gate, gateHalf, GateHeader, GateEntries} {
			if !have[k] {
				return fmt.Errorf("view %d lacks the %s page", id, k)
			}
		}
		if id != 0 && !have[Args] {
			return fmt.Errorf("view %d lacks its argument area", id)
		}
	}
	for p, ids := range writers {
		if len(ids) > 1 {
			return fmt.Errorf("page %#x is writable in views %v and is not an argument area", p, ids)
		}
	}
	return nil
}
