import Testing

@testable import NASFormatting

@Suite struct FormattingTests {
    @Test func countsAndFractions() {
        #expect(Formatting.macs(385_814_752) == "385.8M")
        #expect(Formatting.macs(1_827_141_392) == "1.83B")
        #expect(Formatting.params(5_288_548) == "5.29M")
        #expect(Formatting.params(19_812) == "19.8K")
        #expect(Formatting.millions(1_600_000) == "1.6M" && Formatting.millions(nil) == "–")
        #expect(Formatting.fraction(0.87314) == "0.8731")
        #expect(Formatting.fraction(nil) == "–")
        #expect(Formatting.macsTick(300_000) == "300K" && Formatting.macsTick(1_500_000) == "1.5M")
    }

    @Test func numbersReadBack() {
        #expect(Formatting.shortest(6) == "6" && Formatting.shortest(0.25) == "0.25")
        #expect(Formatting.shortest(0.1 + 0.2) == "0.30000000000000004")
        #expect(Formatting.compact(0.1 + 0.2) == "0.3" && Formatting.compact(2) == "2")
    }

    @Test func durations() {
        #expect(Formatting.spelledDuration(3723) == "1h 02m 03s")
        #expect(Formatting.spelledDuration(12.34) == "12.3s")
        #expect(Formatting.clock(66) == "1m06s" && Formatting.clock(7384) == "2h03m")
        #expect(Formatting.seconds(3) == "3 s" && Formatting.seconds(2.5) == "2.5 s")
    }
}
