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
