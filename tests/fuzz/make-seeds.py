#!/usr/bin/env python3
"""Write the seed programs of the op-stream harnesses (tests/fuzz/corpus/).

Each seed is a short, meaningful guest program in the encoding of
pci_rig.h / virtio_rig.h, so fuzzing starts from states a driver reaches
(functions probed, VFs enabled, a DMA copy run) instead of rediscovering
them. Run from the repository root; the output is checked in.
"""
import os
import struct

def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)

def ctl(width, write):
    return u8({1: 0, 2: 1, 4: 2, 8: 3}[width] | (4 if write else 0))

# pci_rig.h: bus selector bytes
BUS0, BUS10, BUS20, DEV0, DEV1 = 0, 1, 2, 3, 5

class Prog:
    def __init__(self, ops):
        self.ops = ops          # harness op table: name -> index
        self.b = b""
    def op(self, name, dev=0):
        self.b += u8(self.ops[name]) + u8(dev)
        return self
    def ecam(self, bus, devfn, reg, width=4, write=False, val=0):
        self.op("ECAM"); self.b += u8(bus) + u8(devfn) + u16(reg) + ctl(width, write) + u64(val)
    def cf8(self, bus, devfn, reg, width=4, write=False, val=0):
        self.op("CF8"); self.b += u8(bus) + u8(devfn) + u8(reg) + u8(0) + ctl(width, write) + u64(val)
    def sriov(self, dev, nvf, ctrl):
        self.op("SRIOV", dev); self.b += u8(nvf) + u16(ctrl)
    def bar(self, dev, fn, bar, off, width=4, write=False, val=0):
        self.op("BAR", dev); self.b += u8(fn | (4 if bar == 2 else 0))
        self.b += (u32(off) if bar == 2 else u16(off)) + ctl(width, write) + u64(val)
    def dma(self, dev): self.op("DMA", dev)
    def ram(self, off, data):
        self.op("RAM"); self.b += u32(off) + u8(len(data)) + data
    def enable(self): self.op("ENABLE")

def write(harness, name, data):
    d = os.path.join("tests/fuzz/corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

PCI_OPS = {"ECAM": 0, "CF8": 3, "SRIOV": 4, "BAR": 5, "MMIO": 6, "ENABLE": 7}
MA_OPS = {"BAR": 0, "DMA": 3, "RAM": 4, "SRIOV": 5, "ECAM": 6, "ENABLE": 7}
SRIOV = 0x100
VFE_MSE = 0x9

# fuzz_pci: Linux's enumeration, then SR-IOV enable and the VFs' headers.
p = Prog(PCI_OPS)
for bus in (BUS0, BUS10, DEV0, BUS20, DEV1):
    for reg in range(0, 0x40, 4):
        p.ecam(bus, 0, reg)
write("pci", "enumerate", p.b)
p = Prog(PCI_OPS)
for bus in (BUS10, DEV0):
    for reg in range(0x10, 0x28, 4):        # BAR sizing
        p.ecam(bus, 0, reg, write=True, val=0xffffffff)
        p.ecam(bus, 0, reg)
p.enable()
write("pci", "bar-sizing", p.b)
p = Prog(PCI_OPS)
p.sriov(0, 2, VFE_MSE)
for fn in (1, 2):
    for reg in range(0, 0x40, 4):
        p.ecam(DEV0, fn, reg)
p.sriov(0, 0, 0)
p.sriov(1, 2, VFE_MSE)
p.ecam(DEV1, 2, 0x100)
write("pci", "sriov", p.b)
p = Prog(PCI_OPS)
for reg in (0, 4, 8, 0x34, 0x40):
    p.cf8(BUS0, 0, reg)
    p.cf8(BUS10, 0, reg, width=2)
p.cf8(BUS10, 0, 0x3e, width=2, write=True, val=0x40)   # secondary bus reset
p.cf8(BUS10, 0, 0x3e, width=2, write=True, val=0)
write("pci", "cf8", p.b)

# fuzz_mock_accel: identity reads, a DMA copy, fill and checksum with IRQ.
p = Prog(MA_OPS)
for reg in range(0, 0x68, 4):
    p.bar(0, 0, 0, reg)
for fn in (1, 2):
    p.bar(0, fn, 0, 0)
write("mock_accel", "identity", p.b)
for name, op, dev_bits in (("copy", 1, 0), ("fill", 2, 0), ("checksum", 3, 0),
                           ("copy-to-dev", 1, 1 << 9), ("copy-from-dev", 1, 1 << 8)):
    p = Prog(MA_OPS)
    p.ram(0x1000, bytes(range(64)))
    p.bar(0, 0, 0, 0x40, 8, True, 0x1000)
    p.bar(0, 0, 0, 0x48, 8, True, 0x2000)
    p.bar(0, 0, 0, 0x50, 8, True, 0x100)
    p.bar(0, 0, 0, 0x5c, 4, True, 0xa5a5a5a5)
    p.bar(0, 0, 0, 0x58, 4, True, op | dev_bits | (1 << 31))
    p.bar(0, 0, 0, 0x60, 4, True, 1)
    p.dma(0)
    p.bar(0, 0, 0, 0x64, 4)
    write("mock_accel", name, p.b)
p = Prog(MA_OPS)
p.bar(1, 2, 2, 0x1000, 8, True, 0x1122334455667788)
p.bar(1, 2, 2, 0x1000, 8)
p.bar(0, 0, 0, 0x800, 4, True, 0)
p.bar(0, 0, 0, 0x80c, 4, True, 1)
p.bar(0, 0, 0, 0xc00, 8)
write("mock_accel", "devmem-msix", p.b)

# virtio_rig.h programs: chains of (offset in RAM, len, device-writes).
VR = {"CHAIN": 0, "RAW_DESC": 1, "RAM": 2, "POLL": 3, "BAR": 4, "CFG": 5, "UP": 6, "EXTRA": 7}
BUF = 0x50000  # past the rings (20 queues x 16 KiB), inside the rig's 512 KiB

def chain(q, segs, hdr=b""):
    b = u8(VR["CHAIN"]) + u8(q) + u8(len(segs) - 1)
    for off, ln, w in segs:
        b += u16(ln) + u32(off << 4) + u8(1 if w else 0)
    return b + u8(len(hdr)) + hdr

def poll(q): return u8(VR["POLL"]) + u8(q)

def blk_req(q, typ, sector, data_len, write_data):
    hdr = struct.pack("<IIQ", typ, 0, sector)
    segs = [(BUF, 16, False)]
    if data_len:
        segs.append((BUF + 0x1000, data_len, not write_data))
    segs.append((BUF + 0x20000, 1, True))
    return chain(q, segs, hdr)

write("virtio_blk", "write-read",
      blk_req(0, 1, 8, 4096, True) + poll(0) + blk_req(0, 0, 8, 4096, False) + poll(0))
write("virtio_blk", "flush-getid",
      blk_req(1, 4, 0, 0, False) + blk_req(1, 8, 0, 20, False) + poll(1))
dz = struct.pack("<QII", 16, 8, 0)   # virtio_blk_discard_write_zeroes
write("virtio_blk", "discard-zeroes",
      chain(0, [(BUF, 16, False), (BUF + 0x40, 16, False), (BUF + 0x20000, 1, True)],
            struct.pack("<IIQ", 11, 0, 0)) + u8(VR["RAM"]) + u32(BUF + 0x40) + u8(16) + dz +
      chain(0, [(BUF, 16, False), (BUF + 0x40, 16, False), (BUF + 0x20000, 1, True)],
            struct.pack("<IIQ", 13, 0, 0)) + poll(0))
write("virtio_blk", "past-end", blk_req(0, 0, (1 << 20) // 512 - 1, 4096, False) + poll(0))

# virtio-net: queues rx0 tx0 rx1 tx1 ctrl; a vnet header is 12 bytes.
VNET = struct.pack("<BBHHHHH", 0, 0, 0, 0, 0, 0, 0)
ETH = bytes.fromhex("ffffffffffff021122334455" "0800") + bytes(46)
def rx_frame(pair, data, ln):
    return u8(VR["EXTRA"]) + u8(pair) + u16(ln) + u8(len(data)) + data
write("virtio_net", "tx", chain(1, [(BUF, 12 + len(ETH), False)], VNET + ETH) + poll(1))
write("virtio_net", "rx", chain(0, [(BUF, 1526, True)]) + rx_frame(0, VNET + ETH, 12 + 60) + poll(0))
write("virtio_net", "rx-merged",
      chain(2, [(BUF, 1526, True)]) + chain(2, [(BUF + 0x1000, 1526, True)]) +
      chain(2, [(BUF + 0x2000, 1526, True)]) + rx_frame(1, VNET, 4000) + poll(2))
csum = struct.pack("<BBHHHHH", 1, 0, 0, 0, 34, 16, 0)   # NEEDS_CSUM
write("virtio_net", "tx-csum-tso",
      chain(3, [(BUF, 12, False), (BUF + 0x100, 60, False)], csum) +
      chain(3, [(BUF + 0x1000, 12, False), (BUF + 0x2000, 9000, False)],
            struct.pack("<BBHHHHH", 1, 1, 54, 1448, 34, 16, 0)) + poll(3))
ctrl = struct.pack("<BB", 4, 0) + u16(2)     # VIRTIO_NET_CTRL_MQ, VQ_PAIRS_SET 2
write("virtio_net", "ctrl-mq",
      chain(4, [(BUF, 4, False), (BUF + 0x100, 1, True)], ctrl) + poll(4) + poll(2))

# fuzz_msix: program two vectors, enable, raise them masked and unmasked.
def mx(op, width, off, val=0, write=False):
    return u8(op | (0x80 if write else 0)) + u8({1: 0, 2: 1, 4: 2, 8: 3}[width]) + u16(off) + u64(val)
p = u8(1)
for vec in (0, 69):
    p += mx(0, 4, 16 * vec, 0xfee00000, True) + mx(0, 4, 16 * vec + 8, 0x40 + vec, True)
    p += mx(0, 4, 16 * vec + 12, 0, True)
p += mx(2, 2, 0, 0x8000) + mx(4, 2, 0) + mx(4, 2, 69)
p += mx(2, 2, 0, 0xc000) + mx(4, 2, 0) + mx(0, 8, 0x800) + mx(2, 2, 0, 0x8000)
write("msix", "program-raise", p)

# fuzz_ports: a port op is (op, selector, value u32); op bit 5 = write,
# bits 6-7 = log2(width); selector & 7: 0-2 COM1 + (sel >> 3), 3 ACPI PM,
# 4 pvpanic, 5 i8042.
def pio(sel, reg, val=0, write=False, width=1):
    op = (0x20 if write else 0) | ({1: 0, 2: 1, 4: 2}[width] << 6)
    return u8(op) + u8(sel | reg << 3) + u32(val)
p = pio(0, 3, 0x80, True) + pio(0, 0, 1, True) + pio(0, 1, 0, True) + pio(0, 3, 0x03, True)
p += pio(0, 2, 0xc7, True) + pio(0, 1, 0x0f, True) + pio(0, 4, 0x0b, True)
p += b"".join(pio(0, 0, c, True) for c in b"Linux version\n") + pio(0, 5) + pio(0, 2)
p += u8(6) + u8(5) + b"root\n" + pio(0, 0) + pio(0, 5) + pio(0, 4, 0x10, True) + pio(0, 0, 0x41, True) + pio(0, 0)
write("ports", "serial-8250", p)
write("ports", "power", pio(3, 0, 0x34, True) + pio(3, 2, 0x0e, True) + pio(4, 0, 1, True) +
      pio(5, 4, 0xfe, True) + u8(7) + pio(3, 1) + pio(5, 0) + pio(5, 4))
