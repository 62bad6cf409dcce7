/** Display name and colour chooser. */
import { MAX_USER_NAME_LENGTH, type PresenceUser } from '../../shared/presence.js';
import { PALETTE } from './identity.js';

/** Props of {@link IdentityPicker}. */
export interface IdentityPickerProps {
  user: PresenceUser;
  onChange(user: PresenceUser): void;
}

/** A name field and a row of colour swatches; every change applies at once. */
export function IdentityPicker({ user, onChange }: IdentityPickerProps) {
  return (
    <div className="identity">
      <label className="identity__field">
        <span className="identity__caption">Your name</span>
        <input
          className="input"
          value={user.name}
          maxLength={MAX_USER_NAME_LENGTH}
          onChange={(event) => {
            const name = event.target.value;
            if (name.trim().length > 0) onChange({ ...user, name });
          }}
          aria-label="Display name"
        />
      </label>
      <div className="identity__field">
        <span className="identity__caption">Cursor colour</span>
        <div className="identity__swatches" role="radiogroup" aria-label="Cursor colour">
          {PALETTE.map((color) => (
            // biome-ignore lint/a11y/useSemanticElements: swatches painted with their colour, ARIA's radio pattern on buttons; a native radio cannot be drawn so
            <button
              key={color}
              type="button"
              role="radio"
              aria-checked={user.color === color}
              aria-label={color}
              className="identity__swatch"
              style={{ backgroundColor: color }}
              onClick={() => onChange({ ...user, color })}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
