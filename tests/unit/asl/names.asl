/*
 * Golden reference for test_aml.c: names and paths. Compile with iasl -on
 * (no named-reference shortening): the builder emits paths as written.
 */
DefinitionBlock ("", "DSDT", 2, "MVMM", "NAMES", 1)
{
    Scope (\)
    {
        Name (A, Zero)
    }

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, "ACPI0010")
            Device (S00)
            {
                Name (_ADR, Zero)
            }

            Name (REFS, Package ()
            {
                \_SB.PCI0.S00._ADR,
                \_SB.PCI0.S00,
                \_SB.PCI0,
                \_SB,
                \A,
                ^PCI0,
                ^PCI0.S00,
                ^^_SB.PCI0.S00,
                S00._ADR,
                S00,
                REFS
            })
        }
    }

    Scope (\_SB.PCI0.S00)
    {
        Name (AB, One)
        Scope (^^PCI0)
        {
            Name (AB_9, 0x03)
        }
    }

    Scope (_SB.PCI0)
    {
        Name (ABC, 0x02)
    }
}
