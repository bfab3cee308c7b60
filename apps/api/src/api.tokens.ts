export const TURNOUT_CONFIG = Symbol('TURNOUT_CONFIG');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
