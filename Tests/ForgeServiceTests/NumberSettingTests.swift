import ArgumentParser
import ForgeService
import Testing

@Suite struct NumberSettingTests {
    let setting = NumberSetting("--concurrency", "FORGE_CONCURRENCY", default: 100, range: 1...1000, kind: "a whole number")

    @Test func flagWinsOverVariableOverDefault() throws {
        #expect(try setting.value(flag: 7, environment: ["FORGE_CONCURRENCY": "9"]) == 7)
        #expect(try setting.value(flag: nil, environment: ["FORGE_CONCURRENCY": "9"]) == 9)
        #expect(try setting.value(flag: nil, environment: [:]) == 100)
        // An empty variable is unset, as a compose file's `FORGE_X:` with no value leaves it.
        #expect(try setting.value(flag: nil, environment: ["FORGE_CONCURRENCY": ""]) == 100)
    }

    @Test func variableThatDoesNotParseIsNamed() {
        #expect(throws: ValidationError("FORGE_CONCURRENCY: '12x' is not a whole number")) {
            try setting.value(flag: nil, environment: ["FORGE_CONCURRENCY": "12x"])
        }
    }

    @Test func outOfRangeNamesFlagAndVariable() {
        #expect(throws: ValidationError("--concurrency / FORGE_CONCURRENCY: must be between 1 and 1000, got 0")) {
            try setting.value(flag: 0, environment: [:])
        }
        #expect(throws: ValidationError("--concurrency / FORGE_CONCURRENCY: must be between 1 and 1000, got 5000")) {
            try setting.value(flag: nil, environment: ["FORGE_CONCURRENCY": "5000"])
        }
    }

    @Test func nonFiniteSecondsAreRefused() throws {
        let grace = NumberSetting<Double>("--grace", "FORGE_GRACE", default: 25, range: 0...86_400)
        #expect(throws: ValidationError.self) { try grace.value(flag: nil, environment: ["FORGE_GRACE": "nan"]) }
        #expect(throws: ValidationError.self) { try grace.value(flag: nil, environment: ["FORGE_GRACE": "inf"]) }
        #expect(try grace.value(flag: nil, environment: ["FORGE_GRACE": "0.5"]) == 0.5)
    }

    @Test func helpNamesVariableAndDefault() {
        #expect(setting.help == "(env FORGE_CONCURRENCY; default 100)")
    }
}

extension ValidationError: @retroactive Equatable {
    public static func == (lhs: ValidationError, rhs: ValidationError) -> Bool { lhs.message == rhs.message }
}
