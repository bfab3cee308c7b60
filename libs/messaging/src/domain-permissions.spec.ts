import { domainPermissions } from './domain-permissions';

const matches = (pattern: string, name: string): boolean => new RegExp(pattern).test(name);

describe('domainPermissions: what a user confined to one domain may touch', () => {
  it("reads and declares its domain's task queues only, the domain taken literally", () => {
    const { permissions } = domainPermissions('eu.pci');
    expect(matches(permissions.read, 'charge_card@eu.pci')).toBe(true);
    expect(matches(permissions.read, 'charge_card@euxpci')).toBe(false);
    expect(matches(permissions.read, 'charge_card@eu.pci.other')).toBe(false);
    expect(matches(permissions.read, 'charge_card')).toBe(false);
    expect(matches(permissions.read, 'turnout.dead-letter')).toBe(false);
    expect(matches(permissions.configure, 'charge_card@eu.pci')).toBe(true);
    expect(matches(permissions.configure, 'charge_card@doug')).toBe(false);
    // Declaring is deleting too: Turnout's shared exchanges and queues are out of reach.
    for (const shared of ['turnout.task-results', 'turnout.task-results.by-domain', 'turnout.dead-letter', 'turnout.tasks-superseded']) {
      expect(matches(permissions.configure, shared)).toBe(false);
    }
  });

  it('writes to no queue, fanout or default exchange, and to the by-domain exchanges with its domain as the key only', () => {
    const { permissions, topicPermissions } = domainPermissions('pci');
    for (const name of ['turnout.task-results', 'turnout.heartbeats', 'amq.default', 'turnout.tasks-superseded', 'charge_card@pci', 'turnout.router.task-results']) {
      expect(matches(permissions.write, name)).toBe(false);
    }
    expect(matches(permissions.write, 'turnout.task-results.by-domain')).toBe(true);
    expect(topicPermissions.map(({ exchange, write }) => [exchange, matches(write, 'pci'), matches(write, 'doug'), matches(write, 'pci.x')])).toEqual([
      ['turnout.task-results.by-domain', true, false, false],
      ['turnout.heartbeats.by-domain', true, false, false],
    ]);
  });

  it("with NO_DOMAIN (any case), the default queues but no one's own", () => {
    const grant = domainPermissions('no_domain');
    expect(grant.domain).toBeNull();
    expect(matches(grant.permissions.read, 'charge_card')).toBe(true);
    expect(matches(grant.permissions.read, 'charge_card@pci')).toBe(false);
    expect(matches(grant.permissions.read, 'turnout.router.task-results')).toBe(false);
    expect(matches(grant.permissions.read, 'amq.gen-1')).toBe(false);
    expect(grant.topicPermissions[0].write).toBe('^NO_DOMAIN$');
  });

  it('refuses what is no domain name', () => {
    expect(() => domainPermissions('a,b')).toThrow('domain "a,b" must not contain ","');
  });
});
