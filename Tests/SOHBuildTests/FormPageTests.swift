import Foundation
import SOHBuild
import SOHModel
import Testing

/// The static HTML of a form: labels, ids and described-by wired as the GOV.UK patterns say.
@Suite("Form pages")
struct FormPageTests {
    func built() async throws -> Fixture {
        let site = try Fixture()
        try await site.build()
        return site
    }

    @Test func formPagesArePublishedPerForceAndService() async throws {
        let site = try await built()
        let page = try #require(site.read("public/alpha/report/crime/form/index.html"))
        #expect(page.contains("action=\"https://api.test.example/v1/forces/alpha/forms/crime/submissions\""))
        #expect(site.read("public/beta/report/crime/form/index.html")?.contains("/v1/forces/beta/forms/crime/submissions") == true)
        #expect(site.read("public/alpha/report/crime/form/confirmation/index.html")?.contains("data-reference") == true)
        // The service page starts the form.
        #expect(site.read("public/alpha/report/crime/index.html")?.contains("href=\"/report/crime/form/\"") == true)
        // The definition is published for the runtime and the API.
        let assets = SiteLoader.listDirectory(site.out.appendingPathComponent("alpha/assets/forms"))
        #expect(assets.count == 1 && assets[0].hasPrefix("crime.") && assets[0].hasSuffix(".json"))
        #expect(page.contains("data-definition=\"/assets/forms/\(assets[0])\""))
        // Not in the sitemap: the confirmation page.
        #expect(site.read("public/alpha/sitemap.xml")?.contains("confirmation") == false)
    }

    @Test func questionsFollowTheAccessiblePatterns() async throws {
        let page = try #require(try await built().read("public/alpha/report/crime/form/index.html"))
        #expect(page.contains("<form class=\"soh-form\" method=\"post\" novalidate"))
        // yes-no: a fieldset with a legend, radios with labels.
        #expect(page.contains("<legend class=\"fieldset__legend\">Is anyone in danger?</legend>"))
        #expect(page.contains("<input class=\"choices__input\" id=\"q-in-danger-1\" name=\"in-danger\" type=\"radio\" value=\"yes\"><label class=\"label choices__label\" for=\"q-in-danger-1\">Yes</label>"))
        // textarea: label, hint and character count in aria-describedby.
        #expect(page.contains("<label class=\"label\" for=\"q-what\">What happened?</label>"))
        #expect(page.contains("<div class=\"hint\" id=\"q-what-hint\">Tell us everything.</div>"))
        #expect(page.contains("aria-describedby=\"q-what-hint q-what-count\""))
        #expect(page.contains("<p class=\"error-message\" id=\"q-what-error\" hidden><span class=\"visually-hidden\">Error:</span>"))
        // date: three numeric inputs in a fieldset.
        #expect(page.contains("name=\"when[day]\" type=\"text\" inputmode=\"numeric\""))
        #expect(page.contains("name=\"when[year]\" type=\"text\" inputmode=\"numeric\""))
        // A repeated page: numbered items with their own names.
        #expect(page.contains("name=\"people[1][person-name]\""))
        #expect(page.contains("<legend class=\"fieldset__legend\">Person 2</legend>"))
        // The condition of the exit page, said in words for the page without JavaScript.
        #expect(page.contains("Answer this part only if you answered “Yes” to “Is anyone in danger?”."))
        // A hidden field for bots, ignored by people and screen readers.
        #expect(page.contains("<div class=\"form-honeypot\" aria-hidden=\"true\">"))
        #expect(!page.contains("<script>"), "no inline scripts")
    }

    @Test func welshFormsUseWelshLabelsWhereGiven() async throws {
        var files = Fixture.baseFiles
        files["content/report/crime.cy.md"] = "---\ntitle: Rhoi gwybod am drosedd\nservice: crime\n---\n"
        let site = try Fixture(files)
        try await site.build()
        let page = try #require(site.read("public/cymru/cy/report/crime/form/index.html"))
        #expect(page.contains("<html lang=\"cy\">"))
        #expect(page.contains("<title>Rhoi gwybod am drosedd – Heddlu Cymru</title>"))
        #expect(page.contains(">Ie</label>"))
        #expect(page.contains("action=\"https://api.test.example/v1/forces/cymru/forms/crime/submissions\""))
        #expect(site.read("public/alpha/cy/report/crime/form/index.html") == nil)
    }

    @Test func aServiceFormThatDoesNotExistIsAnError() async throws {
        let site = try Fixture()
        try site.remove("content/forms/crime.yml")
        let errors = await site.failures()
        #expect(errors.map(\.description) == [
            "site.yml:12:5: error: service 'crime' uses form 'crime', but content/forms/crime.yml does not exist\n  hint: Add content/forms/crime.yml, or remove 'form:' from the service.",
        ])
    }

    @Test func aBadFormFailsTheBuildWithItsLine() async throws {
        let site = try Fixture()
        try site.write("content/forms/crime.yml", Fixture.baseFiles["content/forms/crime.yml"]!.replacingOccurrences(of: "type: yes-no", with: "type: yesno"))
        let errors = await site.failures()
        #expect(errors.map(\.message).contains("unknown question type 'yesno'"), "\(errors)")
        #expect(errors.allSatisfy { $0.file == "content/forms/crime.yml" })
    }
}
