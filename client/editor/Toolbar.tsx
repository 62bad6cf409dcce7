/**
 * The formatting toolbar: marks, headings, lists, quote, code block, and undo/redo of own
 * changes. A tool whose type the editor's schema lacks (an app replaced StarterKit, say) is not
 * shown.
 */
import type { ReactNode } from 'react';
import { useEditorState, type Editor } from '@tiptap/react';
import type { DocumentFormat } from '../../shared/document-format.js';

type Chain = ReturnType<Editor['chain']>;

interface Tool {
  id: string;
  label: string;
  shortcut?: string;
  icon: ReactNode;
  active?: (editor: Editor) => boolean;
  enabled?: (editor: Editor) => boolean;
  /** The node or mark the tool needs in the editor's schema. */
  needs?: { node: string } | { mark: string };
  run: (chain: Chain) => Chain;
}

const available = (tool: Tool, editor: Editor): boolean =>
  tool.needs === undefined || ('node' in tool.needs ? editor.schema.nodes[tool.needs.node] !== undefined : editor.schema.marks[tool.needs.mark] !== undefined);

const svg = (path: string): ReactNode => (
  <svg
    viewBox="0 0 24 24"
    width="18"
    height="18"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    strokeWidth="2"
    strokeLinecap="round"
    strokeLinejoin="round"
  >
    <path d={path} />
  </svg>
);

const GROUPS: Tool[][] = [
  [
    { id: 'bold', label: 'Bold', shortcut: 'Mod+B', icon: <b>B</b>, active: (e) => e.isActive('bold'), run: (c) => c.toggleBold() },
    { id: 'italic', label: 'Italic', shortcut: 'Mod+I', icon: <i>I</i>, active: (e) => e.isActive('italic'), run: (c) => c.toggleItalic() },
    { id: 'strike', label: 'Strikethrough', shortcut: 'Mod+Shift+S', icon: <s>S</s>, active: (e) => e.isActive('strike'), run: (c) => c.toggleStrike() },
    {
      id: 'code',
      label: 'Inline code',
      shortcut: 'Mod+E',
      icon: svg('M8 7l-5 5 5 5M16 7l5 5-5 5'),
      active: (e) => e.isActive('code'),
      run: (c) => c.toggleCode(),
    },
    {
      id: 'highlight',
      label: 'Highlight',
      shortcut: 'Mod+Shift+H',
      icon: svg('M9 11l-6 6v3h9l3-3M22 12l-4.6 4.6a2 2 0 0 1-2.8 0l-5.2-5.2a2 2 0 0 1 0-2.8L14 4'),
      needs: { mark: 'highlight' },
      active: (e) => e.isActive('highlight'),
      run: (c) => c.toggleHighlight(),
    },
  ],
  ([1, 2, 3] as const).map((level) => ({
    id: `heading-${level}`,
    label: `Heading ${level}`,
    shortcut: `Mod+Alt+${level}`,
    icon: <span className="tandem-toolbar__glyph">H{level}</span>,
    active: (e: Editor) => e.isActive('heading', { level }),
    run: (c: Chain) => c.toggleHeading({ level }),
  })),
  [
    {
      id: 'bullet-list',
      label: 'Bulleted list',
      shortcut: 'Mod+Shift+8',
      icon: svg('M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01'),
      active: (e) => e.isActive('bulletList'),
      run: (c) => c.toggleBulletList(),
    },
    {
      id: 'task-list',
      label: 'Task list',
      shortcut: 'Mod+Shift+9',
      icon: svg('M3 5h4v4H3zM3 15h4v4H3zM4 17l1 1 2-2M10 7h11M10 17h11'),
      needs: { node: 'taskList' },
      active: (e) => e.isActive('taskList'),
      run: (c) => c.toggleTaskList(),
    },
    {
      id: 'ordered-list',
      label: 'Numbered list',
      shortcut: 'Mod+Shift+7',
      icon: svg('M10 6h10M10 12h10M10 18h10M4 4v4M3 18h3l-3 3h3M3 12.5a1.5 1.5 0 0 1 3 0c0 1.5-3 2.5-3 3.5h3'),
      active: (e) => e.isActive('orderedList'),
      run: (c) => c.toggleOrderedList(),
    },
    {
      id: 'blockquote',
      label: 'Quote',
      shortcut: 'Mod+Shift+B',
      icon: svg('M7 7h4v4c0 3-2 5-4 6M14 7h4v4c0 3-2 5-4 6'),
      active: (e) => e.isActive('blockquote'),
      run: (c) => c.toggleBlockquote(),
    },
    {
      id: 'code-block',
      label: 'Code block',
      shortcut: 'Mod+Alt+C',
      icon: svg('M4 5h16v14H4zM9 10l-2 2 2 2M15 10l2 2-2 2'),
      active: (e) => e.isActive('codeBlock'),
      run: (c) => c.toggleCodeBlock(),
    },
  ],
  [
    { id: 'undo', label: 'Undo', shortcut: 'Mod+Z', icon: svg('M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-4'), enabled: (e) => e.can().undo(), run: (c) => c.undo() },
    {
      id: 'redo',
      label: 'Redo',
      shortcut: 'Mod+Shift+Z',
      icon: svg('M15 14l5-5-5-5M20 9H9a5 5 0 0 0 0 10h4'),
      enabled: (e) => e.can().redo(),
      run: (c) => c.redo(),
    },
  ],
];

/** Plain text has no formatting: only undo and redo (the last group). */
const PLAIN_GROUPS: Tool[][] = GROUPS.slice(-1);

const groupsFor = (format: DocumentFormat): Tool[][] => (format === 'plaintext' ? PLAIN_GROUPS : GROUPS);

/** Props of {@link Toolbar}. */
export interface ToolbarProps {
  editor: Editor;
  /** The editor's format (default `richtext`); a plain-text toolbar has only undo and redo. */
  format?: DocumentFormat | undefined;
  className?: string | undefined;
}

/**
 * Formatting buttons for a Tandem editor. Undo and redo only ever revert this writer's changes.
 * @example
 * <Toolbar editor={editor} />
 */
export function Toolbar({ editor, format = 'richtext', className }: ToolbarProps) {
  const groups = groupsFor(format)
    .map((group) => group.filter((tool) => available(tool, editor)))
    .filter((group) => group.length > 0);
  const tools = groups.flat();
  const state = useEditorState({
    editor,
    selector: ({ editor: current }) =>
      Object.fromEntries(tools.map((tool) => [tool.id, { active: tool.active?.(current) ?? false, enabled: tool.enabled?.(current) ?? current.isEditable }])),
    equalityFn: (a, b) => tools.every((tool) => a[tool.id]?.active === b?.[tool.id]?.active && a[tool.id]?.enabled === b?.[tool.id]?.enabled),
  });
  return (
    <div className={['tandem-toolbar', className].filter(Boolean).join(' ')} role="toolbar" aria-label="Formatting">
      {groups.map((group, index) => (
        <div className="tandem-toolbar__group" key={index}>
          {group.map((tool) => {
            const toolState = state[tool.id];
            return (
              <button
                key={tool.id}
                type="button"
                className="tandem-toolbar__button"
                data-tool={tool.id}
                title={tool.shortcut === undefined ? tool.label : `${tool.label} (${tool.shortcut})`}
                aria-label={tool.label}
                aria-pressed={tool.active === undefined ? undefined : (toolState?.active ?? false)}
                disabled={!(toolState?.enabled ?? false) || !editor.isEditable}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => tool.run(editor.chain().focus()).run()}
              >
                {tool.icon}
              </button>
            );
          })}
        </div>
      ))}
    </div>
  );
}
