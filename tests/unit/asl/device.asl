/* Golden reference for test_aml.c: devices and every resource descriptor. */
DefinitionBlock ("", "DSDT", 2, "MVMM", "DEVICE", 1)
{
    Scope (\_SB)
    {
        Device (DEV0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_UID, 0x10)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                IRQNoFlags () {4}
                IRQNoFlags () {15}
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5}
                Interrupt (ResourceConsumer, Level, ActiveLow, Shared) {0x00000020}
                Interrupt (ResourceConsumer, Level, ActiveHigh, ExclusiveAndWake) {0x00001000}
                Memory32Fixed (ReadWrite, 0xE0000000, 0x10000000)
                Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400)
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0010, 0x0010, 0x0000, 0x0001)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xC0000000, 0xDFFFFFFF, 0x00000000, 0x20000000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, WriteCombining, ReadWrite,
                    0x00000000, 0xFFFFFFFF, 0xFFFFFFFF, 0x00000000, 0x00000001)
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x0000000000000000, 0x0000008000000000, 0x000000BFFFFFFFFF, 0x0000000000000000,
                    0x0000004000000000)
                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Prefetchable, ReadWrite,
                    0x0000000000000000, 0x0000000000000000, 0xFFFFFFFFFFFFFFFE, 0x0000000000000000,
                    0xFFFFFFFFFFFFFFFF)
            })
        }

        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                IRQNoFlags () {4}
            })
        }

        Device (RES0)
        {
            Name (_HID, EisaId ("PNP0C02"))
            Name (_UID, "ecam")
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xE0000000, 0x10000000)
            })
        }
    }
}
