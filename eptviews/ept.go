package eptviews

import (
	"encoding/binary"
	"fmt"
)

// Intel EPT paging structures (SDM Vol. 3C, "EPT Translation Mechanism").
const (
	eptRead     = 1 << 0
	eptWrite    = 1 << 1
	eptExec     = 1 << 2
	eptMemWB    = 6 << 3 // leaf entries: memory type write-back
	eptLarge    = 1 << 7 // a PDPTE or PDE that maps a page
	eptAddrMask = 0x000ffffffffff000

	// EPTP: memory type WB, page-walk length 4 (encoded as 3 in bits 5:3).
	eptpWB     = 6
	eptpWalk4  = 3 << 3
	largeBytes = 2 << 20 // 2 MiB pages where a range allows
)

// EPT is the paging structures of every view, laid out as 4-KiB pages at
// consecutive physical addresses from Base, and the EPTP list: the page
// VMFUNC leaf 0 indexes with ECX.
type EPT struct {
	Base     uint64
	Pages    [][]byte // Pages[i] is physical page Base + i*4096
	EPTPs    []uint64 // by view id; 0 where there is no view
	ListPage uint64   // physical address of the EPTP list page
}

// Backing gives the host-physical address behind gpa in a view.
type Backing func(view int, gpa uint64) uint64

// BuildEPT emits the EPT of every view: each mapping read (always),
// write and execute as the view says, write-back; 2 MiB pages where a
// 2-MiB-aligned run has the same rights and contiguous backing.
func BuildEPT(vs Views, base uint64, backing Backing) (*EPT, error) {
	if base%PageSize != 0 {
		return nil, fmt.Errorf("EPT base %#x is not page-aligned", base)
	}
	e := &EPT{Base: base, EPTPs: make([]uint64, len(vs))}
	list := e.alloc()
	e.ListPage = list
	for id, v := range vs {
		if v == nil {
			continue
		}
		pml4 := e.alloc()
		for _, m := range v.Mappings {
			if err := e.mapRange(id, pml4, m, backing); err != nil {
				return nil, fmt.Errorf("view %d, %s: %w", id, m.Name, err)
			}
		}
		e.EPTPs[id] = pml4 | eptpWalk4 | eptpWB
		e.put(list+8*uint64(id), e.EPTPs[id])
	}
	return e, nil
}

func (e *EPT) alloc() uint64 {
	e.Pages = append(e.Pages, make([]byte, PageSize))
	return e.Base + uint64(len(e.Pages)-1)*PageSize
}

func (e *EPT) page(phys uint64) []byte { return e.Pages[(phys-e.Base)/PageSize] }

func (e *EPT) get(phys uint64) uint64 {
	return binary.LittleEndian.Uint64(e.page(phys &^ (PageSize - 1))[phys%PageSize:])
}

func (e *EPT) put(phys, v uint64) {
	binary.LittleEndian.PutUint64(e.page(phys &^ (PageSize - 1))[phys%PageSize:], v)
}

func rights(m Mapping) uint64 {
	r := uint64(eptRead)
	if m.Writable {
		r |= eptWrite
	}
	if m.Executable {
		r |= eptExec
	}
	return r
}

// table returns the next-level table under entry slot, allocating it.
func (e *EPT) table(slot uint64) (uint64, error) {
	v := e.get(slot)
	if v&eptLarge != 0 {
		return 0, fmt.Errorf("a large page already maps this range")
	}
	if v&(eptRead|eptWrite|eptExec) != 0 {
		return v & eptAddrMask, nil
	}
	t := e.alloc()
	// Non-leaf entries allow everything; the leaves decide.
	e.put(slot, t|eptRead|eptWrite|eptExec)
	return t, nil
}

func (e *EPT) mapRange(view int, pml4 uint64, m Mapping, backing Backing) error {
	r := rights(m)
	for gpa := m.GPA; gpa < m.End(); {
		hpa := backing(view, gpa)
		pdpt, err := e.table(pml4 + 8*(gpa>>39&511))
		if err != nil {
			return err
		}
		pd, err := e.table(pdpt + 8*(gpa>>30&511))
		if err != nil {
			return err
		}
		if gpa%largeBytes == 0 && m.End()-gpa >= largeBytes && hpa%largeBytes == 0 && contiguous(view, gpa, hpa, backing) {
			slot := pd + 8*(gpa>>21&511)
			if e.get(slot) != 0 {
				return fmt.Errorf("%#x is mapped twice", gpa)
			}
			e.put(slot, hpa|r|eptMemWB|eptLarge)
			gpa += largeBytes
			continue
		}
		pt, err := e.table(pd + 8*(gpa>>21&511))
		if err != nil {
			return err
		}
		slot := pt + 8*(gpa>>12&511)
		if e.get(slot) != 0 {
			return fmt.Errorf("%#x is mapped twice", gpa)
		}
		e.put(slot, hpa|r|eptMemWB)
		gpa += PageSize
	}
	return nil
}

// contiguous reports whether the 2 MiB from gpa are backed contiguously.
func contiguous(view int, gpa, hpa uint64, backing Backing) bool {
	for off := uint64(PageSize); off < largeBytes; off += PageSize {
		if backing(view, gpa+off) != hpa+off {
			return false
		}
	}
	return true
}

// Leaves counts the 4-KiB and 2-MiB pages that map view.
func (e *EPT) Leaves(view int) (small, large int) {
	var walk func(table uint64, level int)
	walk = func(table uint64, level int) {
		for i := uint64(0); i < 512; i++ {
			entry := e.get(table + 8*i)
			switch {
			case entry&(eptRead|eptWrite|eptExec) == 0:
			case level == 0:
				small++
			case level == 1 && entry&eptLarge != 0:
				large++
			default:
				walk(entry&eptAddrMask, level-1)
			}
		}
	}
	if view >= 0 && view < len(e.EPTPs) && e.EPTPs[view] != 0 {
		walk(e.EPTPs[view]&eptAddrMask, 3)
	}
	return small, large
}

// Walk translates gpa through view's EPT, as the CPU would: the
// host-physical address, the leaf's rights, and whether it is mapped.
func (e *EPT) Walk(view int, gpa uint64) (hpa uint64, r, w, x bool, ok bool) {
	if view < 0 || view >= len(e.EPTPs) || e.EPTPs[view] == 0 {
		return 0, false, false, false, false
	}
	eptp := e.EPTPs[view]
	if eptp&7 != eptpWB || eptp>>3&7 != 3 {
		return 0, false, false, false, false
	}
	table := eptp & eptAddrMask
	for level := 3; level >= 0; level-- {
		shift := uint(12 + 9*level)
		entry := e.get(table + 8*(gpa>>shift&511))
		if entry&(eptRead|eptWrite|eptExec) == 0 {
			return 0, false, false, false, false
		}
		leaf := level == 0 || (level <= 2 && entry&eptLarge != 0)
		if level == 3 && entry&eptLarge != 0 {
			return 0, false, false, false, false // bit 7 is reserved in a PML4E
		}
		if leaf {
			size := uint64(1) << shift
			base := entry & eptAddrMask &^ (size - 1)
			return base | gpa&(size-1), entry&eptRead != 0, entry&eptWrite != 0, entry&eptExec != 0, true
		}
		table = entry & eptAddrMask
	}
	return 0, false, false, false, false
}
