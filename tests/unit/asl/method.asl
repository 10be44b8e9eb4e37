/*
 * Golden reference for test_aml.c: methods and control flow, with a PCI
 * host bridge _OSC written like QEMU's q35 PCI0._OSC.
 */
DefinitionBlock ("", "DSDT", 2, "MVMM", "METHOD", 1)
{
    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_SEG, Zero)
            Name (_BBN, Zero)
            Name (_UID, Zero)
            Method (_OSC, 4, NotSerialized)
            {
                CreateDWordField (Arg3, Zero, CDW1)
                If (LEqual (Arg0, ToUUID ("33DB4D5B-1FF7-401C-9657-7441C03DD766")))
                {
                    CreateDWordField (Arg3, 0x04, CDW2)
                    CreateDWordField (Arg3, 0x08, CDW3)
                    Store (CDW3, Local0)
                    And (Local0, 0x1F, Local0)
                    If (LNotEqual (Arg1, One))
                    {
                        Or (CDW1, 0x08, CDW1)
                    }

                    If (LNotEqual (CDW3, Local0))
                    {
                        Or (CDW1, 0x10, CDW1)
                    }

                    Store (Local0, CDW3)
                }
                Else
                {
                    Or (CDW1, 0x04, CDW1)
                }

                Return (Arg3)
            }
        }
    }

    Method (ALL, 7, Serialized)
    {
        Store (Arg0, Local0)
        Store (Arg1, Local1)
        Store (Arg2, Local2)
        Store (Arg3, Local3)
        Store (Arg4, Local4)
        Store (Arg5, Local5)
        Store (Arg6, Local6)
        Store (And (Local0, Local1), Local7)
        While (LAnd (LNot (LEqual (Local7, Zero)), Local2))
        {
            Store (Zero, Local7)
        }

        If (LAnd (Local3, Local4))
        {
            Notify (\_SB.PCI0, 0x80)
        }
        Else
        {
            If (Local5)
            {
                Return (Ones)
            }
        }

        Return (Local7)
    }

    Method (EMPT, 0, NotSerialized)
    {
    }
}
