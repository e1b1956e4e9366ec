import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  CloseButton,
  Drawer,
  FileButton,
  Group,
  Image,
  Loader,
  NavLink,
  Paper,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../lib/api';
import { type ChatAnswer, type ContentPart, type OutgoingMessage, streamChat } from '../../lib/chat-stream';
import { formatCost } from '../../lib/money';
import {
  type ConversationSummary,
  deleteConversation,
  getConversation,
  imagesOf,
  listConversations,
  saveConversation,
  type StoredMessage,
  textOf,
} from './conversations';

interface ModelEntry {
  id: string;
  capabilities?: string[];
}

interface ChatFeatures {
  web_search: { configured: boolean; fee_micros: string };
}

/** The gateway's per-image limit (GATEWAY_IMAGE_BYTES_MAX default). */
const IMAGE_BYTES_MAX = 5 * 1_048_576;
const IMAGES_MAX = 4;

const GUARDRAIL_CODES = new Set([
  'model_not_allowed',
  'provider_not_allowed',
  'per_request_cost_limit_exceeded',
  'daily_budget_exceeded',
  'monthly_budget_exceeded',
  'key_credit_limit_exceeded',
  'requests_per_minute_exceeded',
  'requests_per_day_exceeded',
  'tokens_per_minute_exceeded',
]);

// The Web Speech API (Chromium exposes it prefixed); absent in Firefox and most headless browsers.
type Recognition = {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  start(): void;
  stop(): void;
  onresult: ((event: { resultIndex: number; results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }> }) => void) | null;
  onend: (() => void) | null;
  onerror: ((event: { error: string }) => void) | null;
};
type RecognitionConstructor = new () => Recognition;
const SpeechRecognitionImpl: RecognitionConstructor | undefined =
  typeof window === 'undefined' ? undefined : ((window as unknown as Record<string, unknown>).SpeechRecognition ?? (window as unknown as Record<string, unknown>).webkitSpeechRecognition) as RecognitionConstructor | undefined;

export function ChatPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const conversationId = searchParams.get('c');
  const [models, setModels] = useState<ModelEntry[]>([]);
  const [features, setFeatures] = useState<ChatFeatures | null>(null);
  const [history, setHistory] = useState<ConversationSummary[] | null>(null);
  const [messages, setMessages] = useState<StoredMessage[]>([]);
  const [loadingConversation, setLoadingConversation] = useState(false);
  const [modelA, setModelA] = useState<string>('auto');
  const [modelB, setModelB] = useState<string | null>(null);
  const [compare, setCompare] = useState(false);
  const [webSearch, setWebSearch] = useState(false);
  const [input, setInput] = useState('');
  const [images, setImages] = useState<string[]>([]);
  const [streaming, setStreaming] = useState<number[]>([]);
  const [listening, setListening] = useState(false);
  const [drawerOpened, drawer] = useDisclosure(false);
  const narrow = useMediaQuery('(max-width: 62em)', undefined, { getInitialValueInEffect: false });
  const abortRef = useRef<AbortController | null>(null);
  const recognitionRef = useRef<Recognition | null>(null);
  const bottomRef = useRef<HTMLDivElement>(null);
  const busy = streaming.length > 0;

  useEffect(() => {
    api<{ data: ModelEntry[] }>('/v1/models')
      .then((r) => {
        setModels(r.data);
        if (!r.data.some((m) => m.id === 'auto') && r.data[0]) setModelA(r.data[0].id);
        setModelB(r.data.find((m) => m.id !== 'auto')?.id ?? null);
      })
      .catch((error: unknown) => notifications.show({ color: 'red', title: 'Models unavailable', message: error instanceof Error ? error.message : String(error) }));
    api<{ data: ChatFeatures }>('/api/v1/chat/features')
      .then((r) => setFeatures(r.data))
      .catch(() => setFeatures({ web_search: { configured: false, fee_micros: '0' } }));
  }, []);

  const reloadHistory = useCallback(() => {
    listConversations()
      .then(setHistory)
      .catch(() => setHistory([]));
  }, []);
  useEffect(reloadHistory, [reloadHistory]);

  // The conversation named in the URL (?c=) is loaded from the server, so a reload or a shared link reopens it.
  const loadedRef = useRef<string | null>(null);
  useEffect(() => {
    if (!conversationId) {
      if (loadedRef.current !== null) setMessages([]);
      loadedRef.current = null;
      return;
    }
    if (loadedRef.current === conversationId) return;
    loadedRef.current = conversationId;
    setLoadingConversation(true);
    getConversation(conversationId)
      .then((c) => setMessages(c.messages))
      .catch((error: unknown) => {
        notifications.show({ color: 'red', title: 'Conversation not found', message: error instanceof Error ? error.message : String(error) });
        setSearchParams({}, { replace: true });
      })
      .finally(() => setLoadingConversation(false));
  }, [conversationId, setSearchParams]);

  // (A block: newer browsers return a promise from scrollIntoView, which React would take for a cleanup.)
  useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: 'end' });
  }, [messages]);

  const modelOptions = useMemo(() => models.map((m) => ({ value: m.id, label: m.id === 'auto' ? 'auto — Switchyard picks' : m.id })), [models]);
  const turns = useMemo(() => groupTurns(messages), [messages]);

  const send = async () => {
    const text = input.trim();
    if (busy || (!text && images.length === 0)) return;
    const content: StoredMessage['content'] = images.length ? [...(text ? [{ type: 'text' as const, text }] : []), ...images.map((url): ContentPart => ({ type: 'image_url', image_url: { url } }))] : text;
    const slots = compare && modelB ? [modelA, modelB] : [modelA];
    const base = [...messages, { role: 'user' as const, content }];
    const pending = slots.map((model, slot): StoredMessage => ({ role: 'assistant', content: '', slot: slot as 0 | 1, requested_model: model, web_search: webSearch }));
    setMessages([...base, ...pending]);
    setStreaming(slots.map((_, i) => base.length + i));
    setInput('');
    setImages([]);
    const controller = new AbortController();
    abortRef.current = controller;
    const patch = (index: number, values: Partial<StoredMessage>) => setMessages((prev) => prev.map((m, i) => (i === index ? { ...m, ...values } : m)));
    const answers = await Promise.all(
      slots.map(async (model, slot): Promise<StoredMessage> => {
        const index = base.length + slot;
        let answer: ChatAnswer;
        try {
          answer = await streamChat(
            { model, messages: outgoing(base, slot), ...(webSearch ? { plugins: [{ id: 'web' as const }] } : {}) },
            { signal: controller.signal, onText: (t) => patch(index, { content: t }), onModel: (m) => patch(index, { model: m }) },
          );
        } catch (error) {
          const aborted = controller.signal.aborted;
          return { ...pending[slot], error: { status: 0, code: aborted ? 'client_aborted' : 'network_error', message: aborted ? 'Stopped before the answer started.' : error instanceof Error ? error.message : String(error) } };
        } finally {
          setStreaming((s) => s.filter((i) => i !== index));
        }
        return {
          ...pending[slot],
          content: answer.content,
          model: answer.model,
          provider: answer.provider,
          request_id: answer.requestId,
          cost_micros: answer.costMicros,
          prompt_tokens: answer.promptTokens,
          completion_tokens: answer.completionTokens,
          latency_ms: answer.latencyMs,
          ttft_ms: answer.ttftMs,
          web_search_requests: answer.webSearchRequests,
          citations: answer.citations,
          ...(answer.error ? { error: { status: answer.error.status, code: answer.error.code, message: answer.error.message, ...(answer.error.suggestedAction ? { suggested_action: answer.error.suggestedAction } : {}) } } : {}),
        };
      }),
    );
    abortRef.current = null;
    const final = [...base, ...answers];
    setMessages(final);
    try {
      const saved = await saveConversation(conversationId, final);
      if (saved.id !== conversationId) {
        loadedRef.current = saved.id;
        setSearchParams({ c: saved.id }, { replace: !conversationId });
      }
      reloadHistory();
    } catch (error) {
      notifications.show({ color: 'yellow', title: 'Not saved to history', message: error instanceof ApiError ? error.message : String(error) });
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const attach = async (files: File[]) => {
    const accepted: string[] = [];
    for (const file of files.slice(0, IMAGES_MAX - images.length)) {
      if (!file.type.startsWith('image/')) continue;
      if (file.size > IMAGE_BYTES_MAX) {
        notifications.show({ color: 'yellow', title: 'Image too large', message: `${file.name} is over 5 MB.` });
        continue;
      }
      accepted.push(await readAsDataUrl(file));
    }
    setImages((prev) => [...prev, ...accepted]);
  };

  const toggleVoice = () => {
    if (!SpeechRecognitionImpl) return;
    if (listening) {
      recognitionRef.current?.stop();
      return;
    }
    const recognition = new SpeechRecognitionImpl();
    recognition.lang = navigator.language || 'en-US';
    recognition.interimResults = false;
    recognition.continuous = false;
    const before = input;
    recognition.onresult = (event) => {
      let heard = '';
      for (let i = 0; i < event.results.length; i++) heard += event.results[i][0].transcript;
      setInput(`${before}${before && !before.endsWith(' ') ? ' ' : ''}${heard}`);
    };
    recognition.onerror = (event) => notifications.show({ color: 'yellow', title: 'Voice input stopped', message: event.error });
    recognition.onend = () => setListening(false);
    recognitionRef.current = recognition;
    setListening(true);
    recognition.start();
  };

  const newChat = () => {
    loadedRef.current = null;
    setMessages([]);
    setSearchParams({});
    drawer.close();
  };

  const openChat = (id: string) => {
    setSearchParams({ c: id });
    drawer.close();
  };

  const removeChat = async (summary: ConversationSummary) => {
    try {
      await deleteConversation(summary.id);
      if (summary.id === conversationId) newChat();
      reloadHistory();
    } catch (error) {
      notifications.show({ color: 'red', title: 'Not deleted', message: error instanceof Error ? error.message : String(error) });
    }
  };

  const sidebar = <HistoryList history={history} activeId={conversationId} onNew={newChat} onOpen={openChat} onDelete={removeChat} />;
  const webConfigured = features?.web_search.configured ?? false;

  return (
    <Group align="stretch" gap="md" wrap="nowrap" h="calc(100dvh - var(--app-shell-header-height, 56px) - 2 * var(--mantine-spacing-md))">
      {!narrow && (
        <Paper withBorder p="xs" w={240} style={{ flexShrink: 0, overflow: 'auto' }} component="aside" aria-label="Conversation history">
          {sidebar}
        </Paper>
      )}
      <Drawer opened={drawerOpened} onClose={drawer.close} title="Conversations" size="xs">
        {sidebar}
      </Drawer>
      <Stack gap="sm" style={{ flex: 1, minWidth: 0 }}>
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Group gap="xs">
            {narrow && (
              <Button variant="default" size="xs" onClick={drawer.open} aria-label="Show conversation history">
                History
              </Button>
            )}
            <Title order={2} size="h3">
              Chat
            </Title>
          </Group>
          <Button variant="light" size="xs" onClick={newChat} disabled={busy}>
            New chat
          </Button>
        </Group>
        <Group gap="xs" align="end" wrap="wrap">
          <Select label={compare ? 'Model A' : 'Model'} data={modelOptions} value={modelA} onChange={(v) => v && setModelA(v)} searchable allowDeselect={false} w={{ base: '100%', xs: 260 }} disabled={busy} />
          {compare && <Select label="Model B" data={modelOptions} value={modelB} onChange={setModelB} searchable allowDeselect={false} w={{ base: '100%', xs: 260 }} disabled={busy} />}
          <Switch label="Compare two models" checked={compare} onChange={(e) => setCompare(e.currentTarget.checked)} disabled={busy} mb={6} />
        </Group>
        <ScrollArea style={{ flex: 1 }} type="auto" offsetScrollbars aria-live="polite">
          <Stack gap="md" pb="sm">
            {loadingConversation && <Loader size="sm" aria-label="Loading conversation" />}
            {!loadingConversation && turns.length === 0 && (
              <Paper withBorder p="lg" ta="center">
                <Text fw={500}>Start a conversation</Text>
                <Text size="sm" c="dimmed">
                  Pick a model (or <b>auto</b>), type a message and press Enter; Shift+Enter adds a line. Answers stream in with their cost and latency, and the chat is saved to your history. Requests are billed to this workspace.
                </Text>
              </Paper>
            )}
            {turns.map((turn, t) => (
              <Stack key={t} gap="xs">
                {turn.user && <UserBubble message={turn.user} />}
                <SimpleGrid cols={{ base: 1, sm: turn.answers.length > 1 ? 2 : 1 }} spacing="sm">
                  {turn.answers.map(({ message, index }) => (
                    <AnswerCard key={index} message={message} streaming={streaming.includes(index)} compared={turn.answers.length > 1} feeMicros={features?.web_search.fee_micros} />
                  ))}
                </SimpleGrid>
              </Stack>
            ))}
            <div ref={bottomRef} />
          </Stack>
        </ScrollArea>
        <Paper withBorder p="xs" component="form" onSubmit={(e) => { e.preventDefault(); void send(); }} aria-label="Send a message">
          {images.length > 0 && (
            <Group gap="xs" mb="xs">
              {images.map((url, i) => (
                <Box key={i} pos="relative">
                  <Image src={url} alt={`Attachment ${i + 1}`} w={56} h={56} radius="sm" fit="cover" />
                  <CloseButton size="xs" pos="absolute" top={-6} right={-6} aria-label={`Remove attachment ${i + 1}`} onClick={() => setImages((prev) => prev.filter((_, j) => j !== i))} />
                </Box>
              ))}
            </Group>
          )}
          <Textarea
            aria-label="Message"
            placeholder="Message — Enter to send, Shift+Enter for a new line"
            autosize
            minRows={2}
            maxRows={8}
            value={input}
            onChange={(e) => setInput(e.currentTarget.value)}
            onKeyDown={onKeyDown}
          />
          <Group justify="space-between" mt="xs" gap="xs" wrap="wrap">
            <Group gap="xs" wrap="wrap">
              <FileButton onChange={(files) => void attach(files)} accept="image/png,image/jpeg,image/webp,image/gif" multiple>
                {(props) => (
                  <Button {...props} variant="default" size="xs" disabled={busy || images.length >= IMAGES_MAX} aria-label="Attach images">
                    Attach image
                  </Button>
                )}
              </FileButton>
              {SpeechRecognitionImpl && (
                <Button variant={listening ? 'filled' : 'default'} color={listening ? 'red' : undefined} size="xs" onClick={toggleVoice} aria-pressed={listening} aria-label={listening ? 'Stop voice input' : 'Voice input'}>
                  {listening ? 'Listening… stop' : 'Voice'}
                </Button>
              )}
              <Tooltip
                label={webConfigured ? `Searches the web for this message; ${formatCost(features?.web_search.fee_micros)} per search` : 'Web search is not configured on this gateway (the operator sets WEB_SEARCH_URL).'}
                multiline
                w={260}
              >
                <div>
                  <Switch label="Web search" checked={webSearch && webConfigured} onChange={(e) => setWebSearch(e.currentTarget.checked)} disabled={!webConfigured || busy} description={webConfigured ? undefined : 'Not configured'} />
                </div>
              </Tooltip>
            </Group>
            {busy ? (
              <Button size="xs" color="red" variant="light" onClick={() => abortRef.current?.abort()}>
                Stop
              </Button>
            ) : (
              <Button size="xs" type="submit" disabled={!input.trim() && images.length === 0}>
                Send
              </Button>
            )}
          </Group>
        </Paper>
      </Stack>
    </Group>
  );
}

function HistoryList(props: { history: ConversationSummary[] | null; activeId: string | null; onNew(): void; onOpen(id: string): void; onDelete(c: ConversationSummary): void }) {
  return (
    <Stack gap={4}>
      <Button size="xs" variant="light" onClick={props.onNew}>
        New chat
      </Button>
      {props.history === null && <Loader size="xs" aria-label="Loading history" />}
      {props.history?.length === 0 && (
        <Text size="xs" c="dimmed" p="xs">
          No saved chats yet — your conversations appear here after the first answer.
        </Text>
      )}
      <nav aria-label="Saved conversations">
        {props.history?.map((c) => (
          <Group key={c.id} gap={2} wrap="nowrap">
            <NavLink
              component="button"
              type="button"
              active={c.id === props.activeId}
              label={c.title}
              description={new Date(c.updated_at).toLocaleString()}
              onClick={() => props.onOpen(c.id)}
              styles={{ label: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } }}
              style={{ minWidth: 0 }}
              data-testid="conversation-item"
            />
            <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Delete conversation “${c.title}”`} onClick={() => props.onDelete(c)}>
              ×
            </ActionIcon>
          </Group>
        ))}
      </nav>
    </Stack>
  );
}

function UserBubble({ message }: { message: StoredMessage }) {
  const text = textOf(message.content);
  const pictures = imagesOf(message.content);
  return (
    <Paper p="sm" bg="var(--mantine-primary-color-light)" ml={{ base: 'md', sm: '20%' }} data-testid="user-message">
      {pictures.length > 0 && (
        <Group gap="xs" mb={text ? 'xs' : 0}>
          {pictures.map((url, i) => (
            <Image key={i} src={url} alt={`Attached image ${i + 1}`} w={96} h={96} radius="sm" fit="cover" />
          ))}
        </Group>
      )}
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {text}
      </Text>
    </Paper>
  );
}

function AnswerCard({ message, streaming, compared, feeMicros }: { message: StoredMessage; streaming: boolean; compared: boolean; feeMicros?: string }) {
  const served = message.model ?? null;
  const modelLabel = message.requested_model === 'auto' ? `auto → ${served ?? '…'}` : (served ?? message.requested_model ?? '');
  const error = message.error;
  const searches = message.web_search_requests ?? 0;
  return (
    <Paper withBorder p="sm" mr={compared ? 0 : { base: 'md', sm: '20%' }} data-testid="assistant-message" data-streaming={streaming ? 'true' : 'false'} data-slot={message.slot ?? 0} data-request-id={message.request_id ?? undefined}>
      <Group gap="xs" mb={4} justify="space-between" wrap="wrap">
        <Badge variant="light" tt="none" data-testid="answer-model" title={message.requested_model === 'auto' ? 'Requested auto; this model served the answer' : undefined}>
          {modelLabel}
        </Badge>
        {streaming && <Loader size="xs" type="dots" aria-label="Streaming" />}
      </Group>
      {message.content !== '' && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="answer-text">
          {textOf(message.content)}
        </Text>
      )}
      {error && error.code !== 'client_aborted' && (
        <Alert color={GUARDRAIL_CODES.has(error.code) ? 'orange' : 'red'} title={GUARDRAIL_CODES.has(error.code) ? `Blocked by a guardrail (${error.code})` : `Request failed (${error.code})`} mt={message.content ? 'xs' : 0} data-testid="answer-error">
          <Text size="sm">{error.message}</Text>
          {error.suggested_action && (
            <Text size="sm" c="dimmed" mt={4}>
              {error.suggested_action}
            </Text>
          )}
        </Alert>
      )}
      {error?.code === 'client_aborted' && (
        <Text size="xs" c="dimmed" mt={4}>
          Stopped.
        </Text>
      )}
      {message.citations && message.citations.length > 0 && (
        <Stack gap={2} mt="xs" aria-label="Sources">
          <Text size="xs" fw={500}>
            Sources
          </Text>
          {message.citations.map((c) => (
            <Anchor key={c.url} href={c.url} target="_blank" rel="noopener noreferrer" size="xs" style={{ wordBreak: 'break-all' }}>
              {c.title || c.url}
            </Anchor>
          ))}
        </Stack>
      )}
      {!streaming && !error && message.latency_ms !== undefined && (
        <Text size="xs" c="dimmed" mt={6} data-testid="answer-meta">
          {[
            `cost ${formatCost(message.cost_micros)}`,
            `${formatSeconds(message.latency_ms)}${message.ttft_ms != null ? ` (first token ${formatSeconds(message.ttft_ms)})` : ''}`,
            message.prompt_tokens != null ? `${message.prompt_tokens} in / ${message.completion_tokens ?? 0} out tokens` : null,
            searches > 0 ? `web search: ${searches} × ${formatCost(feeMicros)} = ${feeMicros ? formatCost(BigInt(feeMicros) * BigInt(searches)) : '—'} (included)` : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </Text>
      )}
    </Paper>
  );
}

interface Turn {
  user?: StoredMessage;
  answers: Array<{ message: StoredMessage; index: number }>;
}

function groupTurns(messages: StoredMessage[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'user' || turns.length === 0) turns.push({ ...(message.role === 'user' ? { user: message } : {}), answers: [] });
    if (message.role === 'assistant') turns[turns.length - 1].answers.push({ message, index });
  });
  return turns;
}

/** The history one column's model sees: every user message and that column's own successful answers. */
function outgoing(messages: StoredMessage[], slot: number): OutgoingMessage[] {
  return messages.flatMap((m): OutgoingMessage[] => {
    if (m.role === 'user') return [{ role: 'user', content: m.content }];
    if ((m.slot ?? 0) !== slot || m.error || !textOf(m.content)) return [];
    return [{ role: 'assistant', content: textOf(m.content) }];
  });
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
