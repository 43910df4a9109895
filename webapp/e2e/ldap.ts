// The company directory for the end-to-end tests: the slapd that
// tools/testenv starts (KONTOR_TEST_LDAP_* variables), with a fresh
// organizational unit of people added by ldapadd for this run.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface Directory {
  /** Settings for kontor serve. */
  env: Record<string, string>;
  people: { username: string; password: string; name: string; department: string; title: string }[];
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: the end-to-end tests need OpenLDAP's slapd. Run them with \`make test-web\`, ` +
        "or start it with `eval $(go run ./tools/testenv start)` (and stop it with `go run ./tools/testenv stop`).",
    );
  }
  return v;
}

export function seedDirectory(): Directory {
  const url = need("KONTOR_TEST_LDAP_URL");
  const base = need("KONTOR_TEST_LDAP_BASE_DN");
  const adminDN = need("KONTOR_TEST_LDAP_ADMIN_DN");
  const adminPW = need("KONTOR_TEST_LDAP_ADMIN_PASSWORD");
  const ou = `e2e-${randomBytes(4).toString("hex")}`;
  const people = [
    { username: "jmueller", password: "juergen-pass-1", name: "Jürgen Müller", department: "Einkauf", title: "Leiter Einkauf" },
    { username: "wli", password: "wei-pass-1", name: "李伟", department: "Entwicklung", title: "Softwareentwickler" },
  ];
  const ldif = [
    `dn: ou=${ou},${base}\nobjectClass: organizationalUnit\nou: ${ou}\n`,
    ...people.map(
      (p) =>
        `dn: uid=${p.username},ou=${ou},${base}\nobjectClass: inetOrgPerson\nuid: ${p.username}\n` +
        `cn:: ${Buffer.from(p.name).toString("base64")}\nsn: ${p.username}\n` +
        `displayName:: ${Buffer.from(p.name).toString("base64")}\nmail: ${p.username}@example.com\n` +
        `departmentNumber: ${p.department}\ntitle: ${p.title}\nuserPassword: ${p.password}\n`,
    ),
  ].join("\n");
  execFileSync("ldapadd", ["-x", "-H", url, "-D", adminDN, "-w", adminPW], { input: ldif, stdio: ["pipe", "ignore", "pipe"] });
  return {
    people,
    env: {
      KONTOR_LDAP_URL: url,
      KONTOR_LDAP_BIND_DN: adminDN,
      KONTOR_LDAP_BIND_PASSWORD: adminPW,
      KONTOR_LDAP_USER_BASE_DN: `ou=${ou},${base}`,
      KONTOR_LDAP_SYNC_INTERVAL: "0s",
    },
  };
}
