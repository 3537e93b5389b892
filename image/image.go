// Package image parses and validates plib workload images: static ELF64
// executables linked at abi.ImageBase whose allocated sections name the
// domain that owns them (.plib.app.*, .plib.lib.NAME.*) and whose
// .plib.exports section lists each library's entry points.
//
// Images are untrusted input. Parse refuses anything malformed or hostile
// (overlapping sections, writable code, a writable gate page, an export
// outside its library's code, a VMFUNC or WRPKRU byte sequence in code)
// before any of it runs, with an error that names the problem.
package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"plib/internal/abi"
	"plib/untrusted/regfile"
)

// AppName is the application's domain name in every image.
const AppName = "app"

// MaxFileSize bounds the size of an image file.
const MaxFileSize = 256 << 20

// ErrBadImage wraps every validation failure, so callers can map it to the
// "bad image" exit code.
var ErrBadImage = errors.New("bad image")

// Kind is what a section holds.
type Kind int

// Section kinds.
const (
	KindGate     Kind = iota // the gate page (code installed by the loader)
	KindGateData             // header and entry-table pages (filled by the loader)
	KindText                 // code and read-only data
	KindData                 // data, bss and heap
	KindStack                // a domain's stack
	KindArgs                 // a library's argument area (shared with the app)
)

// String names the kind.
func (k Kind) String() string {
	return [...]string{"gate", "gatedata", "text", "data", "stack", "args"}[k]
}

// Section is one allocated section of the image.
type Section struct {
	Name   string
	Domain int // 0 = application, 1..7 = library; -1 for gate sections
	Kind   Kind
	Addr   uint64
	Size   uint64 // rounded up to whole pages
	Data   []byte // file contents (nil for NOBITS), len <= Size
	owner  *Domain
}

// End is the first address after the section.
func (s *Section) End() uint64 { return s.Addr + s.Size }

// Domain is the application or one protected library.
type Domain struct {
	ID    int
	Name  string
	Text  *Section
	Data  *Section // may be nil when the domain has no data
	Stack *Section
	Args  *Section // libraries only
}

// Slot is the address of a library's trusted slot (abi.SlotBytes just
// above its stack): where the gates park a calling library's stack and
// record an open call, and the top of the stack the library runs on.
func (d *Domain) Slot() uint64 { return d.Stack.End() - abi.SlotBytes }

// TLS is the address of the domain's TLS block (abi.TLSBytes at the start
// of its data section, which Parse requires): where its thread pointer
// points, and where the loader writes the block's self pointer and the
// domain's stack canary.
func (d *Domain) TLS() uint64 { return d.Data.Addr }

// Span is a range of addresses.
type Span struct{ Addr, Size uint64 }

// Private is the library's private read-write memory: its data (if any)
// through the end of its stack, which the loader requires to be
// contiguous with nothing of another domain in between.
func (d *Domain) Private() Span {
	start := d.Stack.Addr
	if d.Data != nil && d.Data.Addr < start {
		start = d.Data.Addr
	}
	return Span{start, d.Stack.End() - start}
}

// Export is one library entry point.
type Export struct {
	Lib     int
	LibName string
	Fn      int
	Name    string
	Addr    uint64
}

// Entry is the gate entry index of the export.
func (e Export) Entry() int { return e.Lib*abi.MaxFuncs + e.Fn }

// Image is a validated workload image.
type Image struct {
	Entry    uint64
	Sections []*Section // sorted by address
	Domains  [abi.MaxDomains]*Domain
	Exports  []Export
	// Apps is how many instances of the application run (PLIB_APPS), each
	// in its own address space, sharing the libraries' data and heap.
	Apps int
	End  uint64 // first address after the last section
	// Bench is what the image declares for vmm compare (nil: it is no
	// benchmark).
	Bench *Bench
	// Params are the workload parameters the image declares (the
	// runtime's own, RuntimeParams, are implicit).
	Params []Param
}

// Libraries returns the image's libraries in id order.
func (im *Image) Libraries() []*Domain {
	var out []*Domain
	for _, d := range im.Domains[1:] {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// Load reads and parses the image file at path. Anything but a regular
// file (a FIFO, a device, a directory, a link to one) is refused before it
// is read, and no more than MaxFileSize bytes are ever read.
func Load(path string) (*Image, error) {
	data, err := regfile.Read(path, MaxFileSize)
	switch {
	case errors.Is(err, regfile.ErrNotRegular), errors.Is(err, regfile.ErrTooLarge):
		return nil, fmt.Errorf("%w: %w: an image is a regular ELF file of at most %d bytes", ErrBadImage, err, MaxFileSize)
	case err != nil:
		return nil, fmt.Errorf("read image: %w", err)
	}
	im, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadImage, fmt.Sprintf(format, args...))
}

var (
	appSection = regexp.MustCompile(`^\.plib\.app\.(text|data|stack)$`)
	libSection = regexp.MustCompile(`^\.plib\.lib\.([a-z0-9_]{1,23})\.(text|data|stack|args)$`)
)

// Parse validates an image held in memory.
func Parse(data []byte) (im *Image, err error) {
	if len(data) > MaxFileSize {
		return nil, bad("image is %d bytes, more than the %d allowed", len(data), MaxFileSize)
	}
	defer func() { // runs last: no half-parsed image with an error
		if err != nil {
			im = nil
		}
	}()
	defer recoverELF(&err)
	f, err := openELF(data)
	if err != nil {
		return nil, err
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_X86_64 {
		return nil, bad("not a little-endian x86-64 ELF64 file (class %v, data %v, machine %v)", f.Class, f.Data, f.Machine)
	}
	if f.Type != elf.ET_EXEC {
		return nil, bad("ELF type is %v; an image is a static executable (ET_EXEC)", f.Type)
	}
	im = &Image{Entry: f.Entry, Apps: 1}
	libNames := map[string]*Domain{}
	var exportsRaw []byte
	for _, s := range f.Sections {
		if s.Name == ".plib.apps" {
			b, err := s.Data()
			if err != nil || len(b) != 4 {
				return nil, bad(".plib.apps must hold one u32 (PLIB_APPS(n) once)")
			}
			n := int(binary.LittleEndian.Uint32(b))
			if n < 1 || n > abi.MaxApps {
				return nil, bad("PLIB_APPS(%d): an image runs 1 to %d application instances", n, abi.MaxApps)
			}
			im.Apps = n
			continue
		}
		if s.Name == ".plib.bench" {
			if im.Bench != nil || s.Size > maxBenchBytes {
				return nil, bad(".plib.bench must appear once and hold at most %d bytes", maxBenchBytes)
			}
			b, err := s.Data()
			if err != nil || s.Type == elf.SHT_NOBITS {
				return nil, bad(".plib.bench has no contents")
			}
			if im.Bench, err = parseBench(b); err != nil {
				return nil, err
			}
			continue
		}
		if s.Name == ".plib.params" {
			if im.Params != nil || s.Size > maxParamsBytes {
				return nil, bad(".plib.params must appear once and hold at most %d bytes", maxParamsBytes)
			}
			b, err := s.Data()
			if err != nil || s.Type == elf.SHT_NOBITS {
				return nil, bad(".plib.params has no contents")
			}
			if im.Params, err = parseParams(b); err != nil {
				return nil, err
			}
			continue
		}
		if s.Name == ".plib.exports" {
			if s.Type == elf.SHT_NOBITS {
				return nil, bad(".plib.exports has no contents")
			}
			if exportsRaw, err = s.Data(); err != nil {
				return nil, bad("read .plib.exports: %v", err)
			}
			continue
		}
		if s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		sec, err := classify(s, im, libNames)
		if err != nil {
			return nil, err
		}
		if s.Type == elf.SHT_PROGBITS && s.Size > 0 {
			if sec.Data, err = s.Data(); err != nil {
				return nil, bad("section %s: read contents: %v", s.Name, err)
			}
		} else if s.Type != elf.SHT_NOBITS && s.Type != elf.SHT_PROGBITS {
			return nil, bad("section %s: type %v is not allowed", s.Name, s.Type)
		}
		im.Sections = append(im.Sections, sec)
	}
	if err := im.checkLayout(); err != nil {
		return nil, err
	}
	if err := im.parseExports(exportsRaw, libNames); err != nil {
		return nil, err
	}
	for _, s := range im.Sections {
		if s.owner != nil {
			s.Domain = s.owner.ID
		}
	}
	if err := im.scanCode(); err != nil {
		return nil, err
	}
	if err := im.checkBenchParams(); err != nil {
		return nil, err
	}
	if err := im.checkBenchSecrets(); err != nil {
		return nil, err
	}
	return im, nil
}

// classify checks one allocated section's name, placement and flags and
// files it under its domain.
func classify(s *elf.Section, im *Image, libs map[string]*Domain) (*Section, error) {
	sec := &Section{Name: s.Name, Addr: s.Addr, Domain: -1}
	if s.Addr%abi.PageSize != 0 {
		return nil, bad("section %s at %#x is not page-aligned", s.Name, s.Addr)
	}
	if s.Size == 0 || s.Size > abi.ImageLimit-abi.ImageBase {
		return nil, bad("section %s has size %#x", s.Name, s.Size)
	}
	sec.Size = (s.Size + abi.PageSize - 1) &^ (abi.PageSize - 1)
	if s.Addr < abi.ImageBase || s.Addr > abi.ImageLimit || sec.Size > abi.ImageLimit-s.Addr {
		return nil, bad("section %s [%#x, %#x) lies outside the image range [%#x, %#x)", s.Name, s.Addr, s.Addr+s.Size, abi.ImageBase, abi.ImageLimit)
	}
	w := s.Flags&elf.SHF_WRITE != 0
	x := s.Flags&elf.SHF_EXECINSTR != 0
	var domain *Domain
	switch {
	case s.Name == ".plib.gate":
		sec.Kind = KindGate
		if s.Addr != abi.GatePage || sec.Size != abi.GatePages*abi.PageSize {
			return nil, bad("gate pages must be %d pages at %#x, not %#x bytes at %#x", abi.GatePages, abi.GatePage, s.Size, s.Addr)
		}
		if w {
			return nil, bad("gate page .plib.gate is writable; it must be read-only and executable")
		}
		return sec, nil
	case s.Name == ".plib.gatedata":
		sec.Kind = KindGateData
		if s.Addr != abi.GateData || sec.Size != 2*abi.PageSize {
			return nil, bad("gate data must be two pages at %#x, not %#x bytes at %#x", abi.GateData, s.Size, s.Addr)
		}
		if w || x {
			return nil, bad("gate data .plib.gatedata must be read-only and not executable")
		}
		return sec, nil
	case appSection.MatchString(s.Name):
		if im.Domains[0] == nil {
			im.Domains[0] = &Domain{ID: 0, Name: AppName}
		}
		domain = im.Domains[0]
		sec.Kind = kindOf(appSection.FindStringSubmatch(s.Name)[1])
	case libSection.MatchString(s.Name):
		m := libSection.FindStringSubmatch(s.Name)
		domain = libs[m[1]]
		if domain == nil {
			domain = &Domain{ID: -1, Name: m[1]} // id comes from the exports
			libs[m[1]] = domain
		}
		sec.Kind = kindOf(m[2])
	default:
		return nil, bad("allocated section %q does not belong to any domain (want .plib.app.* or .plib.lib.NAME.*)", s.Name)
	}
	if s.Addr < abi.ImageCode {
		return nil, bad("section %s at %#x overlaps the reserved gate pages", s.Name, s.Addr)
	}
	switch sec.Kind {
	case KindText:
		if w || !x {
			return nil, bad("code section %s must be executable and not writable", s.Name)
		}
	default:
		if !w || x {
			return nil, bad("section %s must be writable and not executable", s.Name)
		}
	}
	sec.owner = domain
	slot := map[Kind]**Section{KindText: &domain.Text, KindData: &domain.Data, KindStack: &domain.Stack, KindArgs: &domain.Args}[sec.Kind]
	if *slot != nil {
		return nil, bad("section %s appears twice", s.Name)
	}
	*slot = sec
	return sec, nil
}

func kindOf(s string) Kind {
	return map[string]Kind{"text": KindText, "data": KindData, "stack": KindStack, "args": KindArgs}[s]
}

func (im *Image) checkLayout() error {
	sort.Slice(im.Sections, func(i, j int) bool { return im.Sections[i].Addr < im.Sections[j].Addr })
	var gate, gatedata bool
	for i, s := range im.Sections {
		if i > 0 && im.Sections[i-1].End() > s.Addr {
			p := im.Sections[i-1]
			return bad("sections %s [%#x, %#x) and %s [%#x, %#x) overlap", p.Name, p.Addr, p.End(), s.Name, s.Addr, s.End())
		}
		gate = gate || s.Kind == KindGate
		gatedata = gatedata || s.Kind == KindGateData
		im.End = s.End()
	}
	if !gate || !gatedata {
		return bad("the reserved gate pages (.plib.gate, .plib.gatedata) are missing")
	}
	app := im.Domains[0]
	if app == nil || app.Text == nil || app.Stack == nil {
		return bad("the application needs .plib.app.text and .plib.app.stack")
	}
	if im.Entry < app.Text.Addr || im.Entry >= app.Text.Addr+uint64(len(app.Text.Data)) {
		return bad("entry point %#x is not inside the application's code [%#x, %#x)", im.Entry, app.Text.Addr, app.Text.End())
	}
	for _, d := range im.Domains {
		if d != nil && (d.Data == nil || d.Data.Size < abi.TLSBytes) {
			return bad("domain %q has no data section of at least %d bytes to hold its TLS block", d.Name, abi.TLSBytes)
		}
	}
	return nil
}

func (im *Image) parseExports(raw []byte, libs map[string]*Domain) error {
	if len(raw)%abi.ExportRecordSize != 0 {
		return bad(".plib.exports is %d bytes, not a whole number of %d-byte records", len(raw), abi.ExportRecordSize)
	}
	seen := map[int]bool{}
	for off := 0; off < len(raw); off += abi.ExportRecordSize {
		r := raw[off : off+abi.ExportRecordSize]
		e := Export{
			Lib:  int(binary.LittleEndian.Uint32(r[abi.ExportLibID:])),
			Fn:   int(binary.LittleEndian.Uint32(r[abi.ExportFnID:])),
			Addr: binary.LittleEndian.Uint64(r[abi.ExportAddr:]),
		}
		var err error
		if e.LibName, err = cString(r[abi.ExportLib : abi.ExportLib+abi.ExportLibBytes]); err != nil {
			return bad("export record %d: library name: %v", off/abi.ExportRecordSize, err)
		}
		if e.Name, err = cString(r[abi.ExportFn : abi.ExportFn+abi.ExportFnBytes]); err != nil {
			return bad("export record %d: function name: %v", off/abi.ExportRecordSize, err)
		}
		where := fmt.Sprintf("export %s.%s", e.LibName, e.Name)
		if e.Lib < 1 || e.Lib >= abi.MaxDomains {
			return bad("%s: library id %d is not in 1..%d", where, e.Lib, abi.MaxDomains-1)
		}
		if e.Fn < 0 || e.Fn >= abi.MaxFuncs {
			return bad("%s: function id %d is not in 0..%d", where, e.Fn, abi.MaxFuncs-1)
		}
		d := libs[e.LibName]
		if d == nil {
			return bad("%s: the image has no library %q", where, e.LibName)
		}
		if d.ID == -1 {
			if im.Domains[e.Lib] != nil {
				return bad("%s: library id %d is already used by %q", where, e.Lib, im.Domains[e.Lib].Name)
			}
			d.ID = e.Lib
			im.Domains[e.Lib] = d
		} else if d.ID != e.Lib {
			return bad("%s: library %q has id %d here and %d elsewhere", where, e.LibName, e.Lib, d.ID)
		}
		if d.Text == nil {
			return bad("%s: library %q has no code section", where, e.LibName)
		}
		if e.Addr < d.Text.Addr || e.Addr >= d.Text.Addr+uint64(len(d.Text.Data)) {
			return bad("%s: entry point %#x is outside the library's code [%#x, %#x)", where, e.Addr, d.Text.Addr, d.Text.Addr+uint64(len(d.Text.Data)))
		}
		if seen[e.Entry()] {
			return bad("%s: function id %d of library %q is exported twice", where, e.Fn, e.LibName)
		}
		seen[e.Entry()] = true
		im.Exports = append(im.Exports, e)
	}
	for name, d := range libs {
		if d.ID == -1 {
			return bad("library %q exports nothing", name)
		}
		if d.Text == nil || d.Stack == nil || d.Args == nil {
			return bad("library %q needs text, stack and args sections", name)
		}
		priv := d.Private()
		for _, s := range im.Sections {
			if s.Addr < priv.Addr+priv.Size && s.End() > priv.Addr && s.owner != d {
				return bad("library %q: section %s lies between its data and its stack", name, s.Name)
			}
		}
	}
	sort.Slice(im.Exports, func(i, j int) bool { return im.Exports[i].Entry() < im.Exports[j].Entry() })
	return nil
}

func cString(b []byte) (string, error) {
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		return "", errors.New("not NUL-terminated")
	}
	s := string(b[:n])
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return "", fmt.Errorf("%q is not a printable name", s)
	}
	return s, nil
}

// openELF reads data's ELF headers. Call it under recoverELF.
func openELF(data []byte) (*elf.File, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, bad("not an ELF file: %v", err)
	}
	return f, nil
}

// recoverELF turns a panic in debug/elf, which is not hardened against
// every hostile input, into a bad-image error; defer it.
func recoverELF(err *error) {
	if r := recover(); r != nil {
		*err = bad("malformed ELF: %v", r)
	}
}
