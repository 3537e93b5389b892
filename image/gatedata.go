package image

import (
	"encoding/binary"
	"fmt"

	"plib/internal/abi"
)

// HeaderPage is the gate header page as view sees it in application
// instance app, built by the loader from the validated image; hostCtx is
// the host backends' switch context (0 in the VMM).
func (img *Image) HeaderPage(view, app int, hostCtx uint64) []byte {
	p := make([]byte, abi.PageSize)
	le := binary.LittleEndian
	le.PutUint64(p[abi.HdrMagic:], abi.Magic)
	le.PutUint64(p[abi.HdrView:], uint64(view))
	le.PutUint64(p[abi.HdrApp:], uint64(app))
	le.PutUint64(p[abi.HdrApps:], uint64(max(img.Apps, 1)))
	le.PutUint64(p[abi.HdrNEntries:], abi.MaxEntries)
	le.PutUint64(p[abi.HdrHostCtx:], hostCtx)
	for _, d := range img.Domains {
		if d != nil { // the thread pointer the gates give each domain
			le.PutUint64(p[abi.HdrTLS+8*d.ID:], d.TLS())
		}
	}
	for _, d := range img.Libraries() {
		top := d.Slot() // the trusted slot sits above the stack
		le.PutUint64(p[abi.HdrStacks+8*d.ID:], top)
		le.PutUint64(p[abi.HdrSlots+8*d.ID:], top)
		le.PutUint64(p[abi.HdrArgBase+8*d.ID:], d.Args.Addr)
		le.PutUint64(p[abi.HdrArgSize+8*d.ID:], d.Args.Size)
		le.PutUint64(p[abi.HdrTextBase+8*d.ID:], d.Text.Addr)
		le.PutUint64(p[abi.HdrTextSize+8*d.ID:], d.Text.Size)
		priv := d.Private()
		le.PutUint64(p[abi.HdrPrivBase+8*d.ID:], priv.Addr)
		le.PutUint64(p[abi.HdrPrivSize+8*d.ID:], priv.Size)
	}
	return p
}

// EntryName names entry index e: the call as library.function, and the
// library.
func (img *Image) EntryName(e int) (call, lib string) {
	for _, x := range img.Exports {
		if x.Entry() == e {
			return x.LibName + "." + x.Name, x.LibName
		}
	}
	return fmt.Sprintf("entry %d", e), "unknown"
}

// EntryTable is the gate's entry table: {addr, view, valid} per entry.
func (img *Image) EntryTable() []byte {
	p := make([]byte, abi.PageSize)
	for _, e := range img.Exports {
		o := e.Entry() * abi.EntrySize
		binary.LittleEndian.PutUint64(p[o+abi.EntryAddr:], e.Addr)
		binary.LittleEndian.PutUint32(p[o+abi.EntryView:], uint32(e.Lib))
		binary.LittleEndian.PutUint32(p[o+abi.EntryValid:], 1)
	}
	return p
}
