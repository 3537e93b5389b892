package nic

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Host side of the bridge: a TAP interface, 10.77.0.1/24, MTU the slot
// allows. The library's NIC answers as 10.77.0.2.
var (
	HostIP = [4]byte{10, 77, 0, 1}
	NicIP  = [4]byte{10, 77, 0, 2}
)

// openTAP creates a TAP interface (IFF_TAP|IFF_NO_PI: whole Ethernet
// frames, no extra header), gives it HostIP/24 and the MTU, and brings it
// up. It returns the interface and its name.
func openTAP() (*os.File, string, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq("plibnic%d")
	if err != nil {
		unix.Close(fd)
		return nil, "", err
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("TUNSETIFF: %w", err)
	}
	name := ifr.Name()
	if err := configure(name); err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("configure %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), name, nil // non-blocking: reads park in Go's poller
}

// configure sets the address, the MTU and IFF_UP on interface name; it
// turns IPv6 off there, so the kernel does not chatter on it.
func configure(name string) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	os.WriteFile("/proc/sys/net/ipv6/conf/"+name+"/disable_ipv6", []byte("1"), 0)
	ifr, _ := unix.NewIfreq(name)
	if err := ifr.SetInet4Addr(HostIP[:]); err != nil {
		return err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCSIFADDR, ifr); err != nil {
		return fmt.Errorf("SIOCSIFADDR: %w", err)
	}
	ifr, _ = unix.NewIfreq(name)
	ifr.SetInet4Addr([]byte{255, 255, 255, 0})
	if err := unix.IoctlIfreq(s, unix.SIOCSIFNETMASK, ifr); err != nil {
		return fmt.Errorf("SIOCSIFNETMASK: %w", err)
	}
	ifr, _ = unix.NewIfreq(name)
	ifr.SetUint32(MTU)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFMTU, ifr); err != nil {
		return fmt.Errorf("SIOCSIFMTU: %w", err)
	}
	ifr, _ = unix.NewIfreq(name)
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS: %w", err)
	}
	return nil
}

// LinkEnv names an existing interface to bridge the NIC to instead of a
// TAP of its own (a veth end, say): the device then sends and receives
// whole frames on it through an AF_PACKET socket. Two runs on the two
// ends of one link are two hosts.
const LinkEnv = "PLIB_NIC_LINK"

// openPacket opens an AF_PACKET socket on interface name: every frame
// that arrives there, in promiscuous mode, and none that leaves (the
// device's own), non-blocking, so reads park in Go's poller.
func openPacket(name string) (*os.File, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	fail := func(what string, err error) (*os.File, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("%s on %s: %w", what, name, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifi.Index}); err != nil {
		return fail("bind", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail("PACKET_IGNORE_OUTGOING", err)
	}
	mr := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr); err != nil {
		return fail("promiscuous mode", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
